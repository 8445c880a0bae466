#!/usr/bin/env python3
"""Real albums for issue 14's dynamics tables (`make dynamics-tables`), assembled from freely licensed music in
Debian's packages and decoded to 24-bit WAV (ffmpeg), so that every tool reads the same samples.

  dynamics-albums.py outlier DIR   five tracks into DIR/Outlier: four dense orchestral pieces from Battle for
                                   Wesnoth's soundtrack (wesnoth-1.16-music, GPL-2+; 44.1 kHz Vorbis; median
                                   short-term PSR 10.1-10.8 dB) and one sparse ambient piece, "Nebula", from
                                   Endgame: Singularity's (singularity-music, Max McCracken, CC BY-SA 3.0; 48 kHz
                                   Vorbis; PSR 16.3 dB): a dynamic outlier 6 dB above the rest, of real music, at
                                   two rates. Not "Enemy Unknown" (PSR 17.5 dB): its source carries a DC offset of
                                   0.31 (-10 dBFS), which raises its peaks, not its dynamics;
  dynamics-albums.py real DIR      the real album of scripts/mastercheck.py into DIR/Real: the first five
                                   singularity-music tracks and the three asc-music tracks (22.05 kHz MP3).
  dynamics-albums.py inconsistent DIR
                                   six tracks into DIR/Inconsistent for issue 15's EQ check (scripts/eqcheck.py):
                                   orchestral (Wesnoth), electronic (Singularity) and a 22.05 kHz MP3 (asc-music),
                                   chosen for tonal balances far apart (median tonal deviation >= 6 dB).
An album folder that already has every track is left as it is. Exit 2 when a package's music is missing.
"""
import glob, os, subprocess, sys

WESNOTH = "/usr/share/games/wesnoth/1.16/data/core/music"
SINGULARITY = "/usr/share/games/singularity/music"
ASC = "/usr/share/games/asc/music"
ALBUMS = {
    "outlier": ("Outlier", [f"{WESNOTH}/the_deep_path.ogg", f"{WESNOTH}/vengeful.ogg", f"{SINGULARITY}/Nebula.ogg",
                            f"{WESNOTH}/the_dangerous_symphony.ogg", f"{WESNOTH}/traveling_minstrels.ogg"]),
    "real": ("Real", None),  # chosen as mastercheck.py chooses them, below
    "inconsistent": ("Inconsistent", [f"{WESNOTH}/elf-land.ogg", f"{WESNOTH}/traveling_minstrels.ogg",
                                      f"{ASC}/time_to_strike.mp3", f"{WESNOTH}/transience.ogg",
                                      f"{WESNOTH}/silvan_sanctuary.ogg", f"{SINGULARITY}/Awakening.ogg"]),
}


def sources(kind):
    name, files = ALBUMS[kind]
    if files is None:
        files = sorted(glob.glob(f"{SINGULARITY}/*.ogg"))[:5] + sorted(glob.glob(f"{ASC}/*.mp3"))
    return name, files


def main(argv):
    if len(argv) != 2 or argv[0] not in ALBUMS:
        print(__doc__, file=sys.stderr)
        return 2
    name, files = sources(argv[0])
    missing = [f for f in files if not os.path.exists(f)]
    if missing or not files:
        print(f"dynamics-albums: {missing[0] if missing else argv[0]}: not found (install wesnoth-1.16-music, "
              "singularity-music and asc-music)", file=sys.stderr)
        return 2
    album = os.path.join(argv[1], name)
    os.makedirs(album, exist_ok=True)
    for i, f in enumerate(files):
        out = os.path.join(album, f"{i + 1:02d} {os.path.splitext(os.path.basename(f))[0]}.wav")
        if os.path.exists(out):
            continue
        tmp = os.path.join(album, f".{i + 1:02d}.tmp.wav")
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", f, "-c:a", "pcm_s24le", "-map_metadata", "-1", tmp], check=True)
        os.replace(tmp, out)  # a decode cut short leaves no track that looks finished
    print(album)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

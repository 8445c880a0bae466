#!/usr/bin/env bash
# Speed and memory of `albummaster analyze`, next to ffmpeg's ebur128 filter on the same files.
# Prints x-realtime (audio seconds per wall second), x-realtime per core (audio seconds per CPU second), CPU
# seconds, peak RSS and the CPU ratio ours/ffmpeg,
# each the median of 3 runs (the 60-minute file: 1 run).
# Material is synthesized once into .build-bench/ (git-ignored): 10-minute, 60-minute and 2-hour 48 kHz stereo
# 24-bit WAVs, a 30 s reference, and an album of 4 equal 150 s tracks for the parallel speed-up.
# Every run passes --force (no cached results). Mastering runs with --jobs 1; a master is measured on a second
# thread while it is written, so its per-core figure is the one to read. BENCH_SKIP_LONG=1 skips the 2-hour file.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ALBUMMASTER_BIN:-.build/release/albummaster}  # another build for an A/B comparison
dir=.build-bench
mkdir -p "$dir/album4"
[ -f "$dir/ten.wav" ] || "$bin" generate "$dir/ten.wav" --seconds 600
[ -f "$dir/sixty.wav" ] || "$bin" generate "$dir/sixty.wav" --seconds 3600 --seed 2
[ -f "$dir/ref.wav" ] || "$bin" generate "$dir/ref.wav" --seconds 30 --seed 7
if [ -z "${BENCH_SKIP_LONG:-}" ] && [ ! -f "$dir/twohours.wav" ]; then
  "$bin" generate "$dir/twohours.wav" --seconds 7200 --seed 3
fi
for i in 1 2 3 4; do
  [ -f "$dir/album4/0$i.wav" ] || "$bin" generate "$dir/album4/0$i.wav" --seconds 150 --seed $((10 + i))
done

# run LABEL AUDIO_SECONDS REPEATS CMD...: timed runs; the median wall and CPU time and the largest peak RSS
# are printed and appended to $dir/results.
run() {
  local label=$1 seconds=$2 repeats=$3
  shift 3
  : >"$dir/times.txt"
  for _ in $(seq "$repeats"); do
    /usr/bin/time -f '%e %U %S %M' -o "$dir/time.txt" "$@" >/dev/null 2>&1
    cat "$dir/time.txt" >>"$dir/times.txt"
  done
  local m=$(((repeats + 1) / 2))
  wall=$(awk '{ print $1 }' "$dir/times.txt" | sort -n | sed -n "${m}p")
  cpu=$(awk '{ print $2 + $3 }' "$dir/times.txt" | sort -n | sed -n "${m}p")
  rss=$(awk '{ print $4 }' "$dir/times.txt" | sort -n | tail -1)
  awk -v l="$label" -v s="$seconds" -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN {
    printf "%-52s %7.0f %8.2f %8.2f %10.0fx %10.0fx %9.1f\n", l, s, w, c, s / (w > 0 ? w : 0.01), s / (c > 0 ? c : 0.01), r / 1024 }'
  echo "$label $wall $cpu" >>"$dir/results"
}

: >"$dir/results"
printf "%-52s %7s %8s %8s %11s %11s %9s\n" "task" "audio s" "wall s" "CPU s" "x-realtime" "per core" "RSS MB"
run "albummaster analyze, 10 min" 600 3 "$bin" analyze "$dir/ten.wav" --reports "$dir/reports" --quiet --force
if command -v ffmpeg >/dev/null; then
  run "ffmpeg -af ebur128=peak=true, 10 min" 600 3 ffmpeg -nostats -v error -i "$dir/ten.wav" -af ebur128=peak=true -f null -
fi
run "albummaster analyze, 60 min" 3600 3 "$bin" analyze "$dir/sixty.wav" --reports "$dir/reports" --quiet --force
if command -v ffmpeg >/dev/null; then
  run "ffmpeg -af ebur128=peak=true, 60 min" 3600 1 ffmpeg -nostats -v error -i "$dir/sixty.wav" -af ebur128=peak=true -f null -
fi
# Mastering against a reference, so that EQ and width run as well as gain, limiter and dither.
rm -rf "$dir/master"
run "albummaster master, 10 min (analyse+render+verify)" 600 3 "$bin" master "$dir/ten.wav" --reference "$dir/ref.wav" --reports "$dir/master" --quiet --jobs 1 --force
run "albummaster render --no-verify, 10 min" 600 3 "$bin" render "$dir/ten.wav" --plan "$dir/master/ten/plan.json" --reports "$dir/render" --quiet --no-verify --jobs 1
if command -v ffmpeg >/dev/null; then
  run "ffmpeg -af loudnorm=I=-14:TP=-1, 10 min" 600 3 ffmpeg -v error -y -i "$dir/ten.wav" -af loudnorm=I=-14:TP=-1 -ar 48000 -c:a pcm_s24le "$dir/loudnorm.wav"
fi
if [ -f "$dir/twohours.wav" ] && [ -z "${BENCH_SKIP_LONG:-}" ]; then
  run "albummaster master, 2 h (memory)" 7200 1 "$bin" master "$dir/twohours.wav" --reports "$dir/master" --quiet --jobs 1 --force
fi
run "albummaster analyze, 4 x 150 s, --jobs 1" 600 3 "$bin" analyze "$dir/album4" --reports "$dir/reports" --quiet --jobs 1 --force
run "albummaster analyze, 4 x 150 s, --jobs 2" 600 3 "$bin" analyze "$dir/album4" --reports "$dir/reports" --quiet --jobs 2 --force

awk '
  /^albummaster analyze, 10 min/ { ours = $NF }
  /^ffmpeg -af ebur128=peak=true, 10 min/ { ff = $NF }
  /^albummaster analyze, 4 x 150 s, --jobs 1/ { j1 = $(NF - 1) }
  /^albummaster analyze, 4 x 150 s, --jobs 2/ { j2 = $(NF - 1) }
  END {
    if (ff > 0) printf "CPU time ours / ffmpeg (10 min): %.2f\n", ours / ff
    printf "wall time --jobs 2 / --jobs 1 (4 equal tracks): %.2f\n", j2 / j1
  }' "$dir/results"

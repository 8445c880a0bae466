#!/usr/bin/env bash
# Memory must not grow with track length: analyse and master a generated 2-hour 48 kHz stereo 24-bit WAV and
# fail if peak RSS passes 150 MB (analysis, issue 2) or 256 MB (mastering, issue 3). Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/albummaster
dir=.build-bench
mkdir -p "$dir"
[ -f "$dir/twohours.wav" ] || "$bin" generate "$dir/twohours.wav" --seconds 7200 --seed 3
check() {
  local label=$1 limit=$2
  shift 2
  /usr/bin/time -f '%M %e' -o "$dir/mem.txt" "$@" >/dev/null 2>&1
  read -r rss wall <"$dir/mem.txt"
  local mb=$((rss / 1024))
  echo "$label: peak RSS $mb MB (limit $limit MB), $wall s for 2 hours of audio"
  [ "$mb" -le "$limit" ] || { echo "memcheck: $label used $mb MB"; exit 1; }
}
check "analyze, 2 h" 150 "$bin" analyze "$dir/twohours.wav" --reports "$dir/memcheck" --quiet --force
check "master, 2 h" 256 "$bin" master "$dir/twohours.wav" --reports "$dir/memcheck" --quiet --force
echo "2 passed, 0 failed"

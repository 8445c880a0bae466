#!/usr/bin/env bash
# A/B byte identity: masters and reports of two builds on the same album and options.
# usage: scripts/ab-masters.sh OLD_BIN NEW_BIN ALBUM [extra master flags...]
set -u
old=$1 new=$2 album=$3; shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in old new; do
  bin=${!side}
  "$bin" master "$album" --reports "$work/$side" --quiet "$@" >/dev/null 2>"$work/$side.err"
  echo $? >"$work/$side.rc"
done
status=0
if ! cmp -s "$work/old.rc" "$work/new.rc"; then echo "exit codes differ: $(cat "$work/old.rc") vs $(cat "$work/new.rc")"; status=1; fi
(cd "$work/old" && find . -type f ! -path '*/.cache/*' ! -name index.html | sort) >"$work/old.list"
(cd "$work/new" && find . -type f ! -path '*/.cache/*' ! -name index.html | sort) >"$work/new.list"
if ! cmp -s "$work/old.list" "$work/new.list"; then echo "file lists differ:"; diff "$work/old.list" "$work/new.list"; status=1; fi
n=0
while read -r f; do
  n=$((n + 1))
  if ! cmp -s "$work/old/$f" "$work/new/$f"; then echo "differs: $f"; status=1; fi
done <"$work/old.list"
echo "compared $n files (masters, plan/profile/analysis JSON, CSVs), exit $(cat "$work/new.rc"): $([ $status = 0 ] && echo identical || echo DIFFERENT)"
exit $status

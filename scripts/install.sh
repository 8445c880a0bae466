#!/usr/bin/env bash
# Installs an already-built albummaster, its man page and its bash/zsh/fish completions under ROOT
# ($(DESTDIR)$(PREFIX) in the Makefile), or removes them. The man page and completions are generated from the
# binary's own argument parser, so they always describe the binary being installed. Builds nothing: `make
# install` builds first, and the tests call this script with the binary they were built with.
# Usage: scripts/install.sh BINARY ROOT
#        scripts/install.sh --uninstall ROOT
set -euo pipefail

# The installed files, relative to ROOT: one list for install and uninstall.
bin=bin/albummaster
man=share/man/man1/albummaster.1
bash_completion=share/bash-completion/completions/albummaster
zsh_completion=share/zsh/site-functions/_albummaster
fish_completion=share/fish/vendor_completions.d/albummaster.fish

if [ "${1:-}" = "--uninstall" ] && [ $# -eq 2 ]; then
  root=$2
  for f in "$bin" "$man" "$bash_completion" "$zsh_completion" "$fish_completion"; do
    rm -f "$root/$f"
  done
  echo "Removed albummaster from $root"
  exit 0
fi
if [ $# -ne 2 ]; then
  echo "usage: $0 BINARY ROOT | --uninstall ROOT" >&2
  exit 64
fi
binary=$1 root=$2
[ -x "$binary" ] || { echo "install.sh: $binary: not an executable (run make build first)" >&2; exit 66; }
here=$(cd "$(dirname "$0")" && pwd)

# Generate everything first, so a failure installs nothing.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for shell in bash zsh fish; do
  "$binary" --generate-completion-script "$shell" >"$work/$shell"
done
python3 "$here/manpage.py" "$binary" >"$work/man"
for f in bash zsh fish man; do
  [ -s "$work/$f" ] || { echo "install.sh: generating the $f file from $binary gave nothing" >&2; exit 1; }
done

install -D -m 755 "$binary" "$root/$bin"
install -D -m 644 "$work/man" "$root/$man"
install -D -m 644 "$work/bash" "$root/$bash_completion"
install -D -m 644 "$work/zsh" "$root/$zsh_completion"
install -D -m 644 "$work/fish" "$root/$fish_completion"
echo "Installed albummaster $("$binary" --version) under $root"

#!/usr/bin/env bash
# Installs the Debian packages AlbumMaster needs, and only those that are missing (sudo when not root).
# Usage: scripts/install-deps.sh [EXTRA_PACKAGE ...]
set -euo pipefail
packages=(libsndfile1-dev libfftw3-dev libebur128-dev libsoxr-dev libssl-dev pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

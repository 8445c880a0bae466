#!/usr/bin/env bash
# Makes a Python virtual environment for the accuracy checks and pip-installs what they import into it.
# Debian 12's own python3 refuses `pip install` outside one (externally-managed-environment, PEP 668), and a
# venv keeps PyPI's numpy/scipy/matchering away from the system's packages. Idempotent: a second run installs
# nothing. Needs python3-venv on Debian (the Makefile installs it).
# Usage: scripts/check-venv.sh VENV_DIR PACKAGE ...   (prints nothing when all is there)
set -euo pipefail
venv=$1
shift
python=${PYTHON:-python3}
# A venv whose interpreter is gone (python upgraded or removed) is made again.
if ! "$venv/bin/python" -c "" 2>/dev/null; then
  rm -rf "$venv"
  echo "Creating the Python virtual environment $venv"
  "$python" -m venv "$venv"
fi
# One interpreter start for the common case (all there: importing matchering alone takes seconds).
"$venv/bin/python" -c "import $(IFS=,; echo "$*")" 2>/dev/null && exit 0
missing=()
for p in "$@"; do
  "$venv/bin/python" -c "import $p" 2>/dev/null || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing into $venv: ${missing[*]}"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"

#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 found on this machine and install mmm with its dev tools.
# Usage: bash scripts/bootstrap.sh   (then .venv/bin/mmm demo)
set -euo pipefail
cd "$(dirname "$0")/.."

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
  if [ -n "${MMM_PYTHON:-}" ] && ok "$MMM_PYTHON"; then echo "$MMM_PYTHON"; return; fi
  for c in python3.13 python3.12 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && ok "$c"; then command -v "$c"; return; fi
  done
  # pyenv installs that are not the active version
  for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv; do
    [ -n "$root" ] && [ -d "$root/versions" ] || continue
    for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V -r); do
      if ok "$p"; then echo "$p"; return; fi
    done
  done
  return 1
}

PY=$(find_python) || { echo "error: mmm needs Python >= 3.12; none found (set MMM_PYTHON=/path/to/python3.12)" >&2; exit 2; }
echo "Using $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
if [ ! -x .venv/bin/python ] || ! ok .venv/bin/python; then
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
echo "Installed mmm into .venv — try: .venv/bin/mmm demo"

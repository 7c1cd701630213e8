# Shared by bin/demo and bin/test: make .venv with Python 3.11+ and install the project
# (with the extras named in SEANCE_EXTRAS, e.g. "[test]").
# Needs no root: on Debian/Ubuntu without python3-venv it falls back to virtualenv --user.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Séance needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    echo "python3-venv is missing; using virtualenv from PyPI (user install)." >&2
    "$PYTHON" -m pip install --user --quiet virtualenv
    "$PYTHON" -m virtualenv --quiet .venv
  fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${SEANCE_EXTRAS:-}"

# Shared by bin/demo, bin/test and .ci/run (sourced from the project's root, POSIX sh):
# make .venv with Python 3.11+ and install the project (with the extras named in
# SEANCE_EXTRAS, e.g. "[test]").
# Needs no root. Without Debian's python3-venv, it makes .venv without pip and installs pip
# into it with the system's pip when there is one; otherwise it says what to install.
set -eu
PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "Séance needs Python 3.11 or newer: '$PYTHON' is not on PATH (set PYTHON=...)." >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Séance needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    if "$PYTHON" -m pip --version >/dev/null 2>&1 \
      && "$PYTHON" -m venv --without-pip .venv >/dev/null 2>&1 \
      && "$PYTHON" -m pip --python .venv/bin/python install --quiet pip; then
      echo "python3-venv is missing: .venv made without it, pip installed into it." >&2
    else
      rm -rf .venv
      echo "Cannot make .venv: $PYTHON has no working venv module (ensurepip) and no pip." >&2
      echo "On Debian or Ubuntu: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi
if ! .venv/bin/python -m pip install --quiet --upgrade pip; then
  echo "Could not upgrade pip in .venv (is PyPI reachable? see above)." >&2
  exit 1
fi
if ! .venv/bin/python -m pip install --quiet -e ".${SEANCE_EXTRAS:-}"; then
  echo "Could not install Séance${SEANCE_EXTRAS:-} into .venv (see pip's error above)." >&2
  exit 1
fi

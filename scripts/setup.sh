#!/usr/bin/env bash
# Shared set-up: a virtualenv in .venv with the pinned dependencies (constraints.txt).
# Usage: source scripts/setup.sh [extras]   e.g. "source scripts/setup.sh test"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".${1:+[$1]}"

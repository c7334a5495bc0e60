#!/usr/bin/env bash
# Set up (virtualenv, dependencies) and run the whole test suite: SQLite always, PostgreSQL when
# reachable at $TEST_PG_DSN (default postgresql://postgres@127.0.0.1:5432/test; with CI=true an
# unreachable PostgreSQL fails the run instead of skipping those tests).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
exec .venv/bin/python -m pytest "$@"

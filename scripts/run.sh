#!/usr/bin/env bash
# Set up (virtualenv, dependencies, database migrations) and run the bot with long polling.
# Needs only Python 3.11+. Configuration comes from the environment or ./.env (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c constraints.txt -e .
.venv/bin/python -m bot migrate
exec .venv/bin/python -m bot "$@"

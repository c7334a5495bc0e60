#!/usr/bin/env bash
# Set up (virtualenv, dependencies, database migrations) and run the bot with long polling.
# Needs only Python 3.11+. Configuration comes from the environment or ./.env (see .env.example).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
.venv/bin/python -m bot migrate
exec .venv/bin/python -m bot "$@"

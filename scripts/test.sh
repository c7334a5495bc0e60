#!/usr/bin/env bash
# Set up (virtualenv, dependencies) and run the whole test suite: SQLite always, PostgreSQL when
# reachable at $TEST_PG_DSN (default postgresql://postgres@127.0.0.1:5432/test; with CI=true an
# unreachable PostgreSQL fails the run instead of skipping those tests).
set -euo pipefail
source "$(dirname "$0")/setup.sh" test
exec .venv/bin/python -m pytest "$@"

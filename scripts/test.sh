#!/usr/bin/env bash
# Set up (virtualenv, dependencies) and run the whole test suite: SQLite always, PostgreSQL when
# reachable at $TEST_PG_DSN (default postgresql://postgres@127.0.0.1:5432/test; with CI=true an
# unreachable PostgreSQL fails the run instead of skipping those tests).
set -euo pipefail
source "$(dirname "$0")/setup.sh" test
# Two workers (pytest-xdist): the suite (1,306 tests) takes 7–11 minutes on 2 cores.
# TEST_WORKERS=0 runs it in one process (e.g. to debug a single test).
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"

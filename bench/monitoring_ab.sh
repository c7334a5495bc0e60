#!/bin/bash
# Before/after figures of bench.monitoring in one run (issue 10): the same bench code runs against
# a checkout of the base (BEFORE) and this tree, each from a pristine copy of the seeded database,
# so that each bot does the same start-up check-in round and at-risk job.
#
#   git archive main | tar -x -C /tmp/base && cp bench/monitoring.py /tmp/base/bench/
#   .venv/bin/python -m bench.monitoring --backend postgresql --reuse --no-bot --repeat 1 --workdir $W
#   .venv/bin/python -m bench.monitoring --backend sqlite --participants 30000 --reuse --no-bot --repeat 1 --workdir $W
#   psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE kpi_pristine_s1_p300000 TEMPLATE mentor_bench_monitoring_s1_p300000"
#   cp $W/monitoring-s1-p30000.sqlite3 $W/pristine-p30000.sqlite3
#   BEFORE=/tmp/base W=$W bash bench/monitoring_ab.sh
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$HERE/.venv/bin/python}
W=${W:-/tmp/mentor-bench-monitoring}
BEFORE=${BEFORE:?a checkout of the base with this bench/monitoring.py}
reset_pg() {
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS mentor_bench_monitoring_s1_p300000" &&
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE mentor_bench_monitoring_s1_p300000 TEMPLATE kpi_pristine_s1_p300000"
}
reset_sqlite() {
  rm -f "$W"/monitoring-s1-p30000.sqlite3-wal "$W"/monitoring-s1-p30000.sqlite3-shm
  cp "$W"/pristine-p30000.sqlite3 "$W"/monitoring-s1-p30000.sqlite3
}
for backend in ${BACKENDS:-postgresql sqlite}; do
  for variant in ${VARIANTS:-before after}; do
    dir=$BEFORE; [ "$variant" = after ] && dir=$HERE
    if [ "$backend" = postgresql ]; then reset_pg; n=300000; else reset_sqlite; n=30000; fi
    echo "#### $backend $variant $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$dir" && "$PY" -m bench.monitoring --backend "$backend" --participants $n --reuse --repeat 5 --workdir "$W")
    echo "#### end $backend $variant $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done

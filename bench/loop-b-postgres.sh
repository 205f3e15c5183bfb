#!/usr/bin/env bash
# Workload B on Errand alone against a PostgreSQL of its own, repeated: loop-b.sh's PostgreSQL twin, for the limits row
# and before/after checks of the take. Prints the median of RUNS runs of: process jobs/s, enqueue jobs/s, worker CPU
# per job, PostgreSQL CPU per job (the postmaster and its children, from /proc), the starts counted by the driver.
#   bench/loop-b-postgres.sh [N=20000] [RUNS=3] [CONCURRENCY=50]
# ENQUEUE_ARGS and WORK_ARGS add driver options, as in loop-b.sh ("--keys 1000"; "--fn-limit 50", "--key-limit 1",
# "--rate 200 --period-ms 1000"). OUT=folder runs an already published driver (e.g. another commit's) instead of
# publishing this tree's. The server: Debian's binaries (newest /usr/lib/postgresql/*/bin), initdb --no-sync, fsync and
# synchronous_commit off (the harness's settings), a fresh database per run; as root, run as the postgres user.
set -euo pipefail
N=${1:-20000}; RUNS=${2:-3}; C=${3:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ERRAND_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
WORK=$(mktemp -d); chmod 755 "$WORK"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
trap 'as_pg "$BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
if [ -z "${OUT:-}" ]; then
  OUT=$ROOT/artifacts/bench-loop
  dotnet publish "$ROOT/bench/Errand.Bench" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -nologo -v:q -o "$OUT" >/dev/null
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$WORK/data"; [ "$(id -u)" = 0 ] && chown postgres "$WORK/data" "$WORK"
as_pg "$BIN/initdb" -D "$WORK/data" -A trust -U errand -E UTF8 --no-sync >/dev/null
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/data/log" -w -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300" start >/dev/null
PM=$(head -1 "$WORK/data/postmaster.pid")
psql() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U errand -q "$@"; }
pg_cpu() { # CPU ticks of the postmaster and its children
  local t=0; for p in $PM $(pgrep -P "$PM"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
wait_for() { until grep -q "$1" "$2" 2>/dev/null; do sleep 0.05; done; }
TICK=$(getconf CLK_TCK)

for run in $(seq "$RUNS"); do
  psql -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  URL="postgresql://errand@127.0.0.1:$PORT/bench"
  driver() { exec dotnet "$OUT/Errand.Bench.dll" driver "$@" --url "$URL" --n "$N"; }
  exec 3> >(driver enqueue --inflight 50 ${ENQUEUE_ARGS:-} > "$WORK/enqueue.out")
  wait_for @ready "$WORK/enqueue.out"; p0=$(pg_cpu); echo go >&3; wait_for @result "$WORK/enqueue.out"; p1=$(pg_cpu); exec 3>&-
  mkfifo "$WORK/in"; driver work --concurrency "$C" ${WORK_ARGS:-} < "$WORK/in" > "$WORK/work.out" & pid=$!; exec 4> "$WORK/in"
  wait_for @ready "$WORK/work.out"
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); p2=$(pg_cpu)
  echo go >&4; wait_for @result "$WORK/work.out"
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); p3=$(pg_cpu)
  exec 4>&-; wait "$pid" || true; rm "$WORK/in"
  echo "$(grep -o '"seconds":[0-9.]*' "$WORK/enqueue.out" | cut -d: -f2) $(grep -o '"seconds":[0-9.]*' "$WORK/work.out" | cut -d: -f2)" \
       "$(( (t1 - t0) * 1000000 / TICK ))" "$(( (p1 - p0) * 1000000 / TICK )) $(( (p3 - p2) * 1000000 / TICK ))" \
       "$(grep -o '"max_starts_in_a_second":[0-9]*' "$WORK/work.out" | cut -d: -f2 || echo 0)" \
       "$(grep -o '"starts_per_second":[0-9.]*' "$WORK/work.out" | cut -d: -f2 || echo 0)" >> "$WORK/runs"
  tail -1 "$WORK/runs" | awk -v n="$N" '{printf "  run: process %.0f jobs/s, enqueue %.0f jobs/s\n", n / $2, n / $1}'
done

python3 - "$N" "$WORK/runs" <<'PY'
import statistics as st, sys
n = int(sys.argv[1]); rows = [list(map(float, (l.split() + ['0', '0'])[:7])) for l in open(sys.argv[2])]
m = lambda f: st.median(f(r) for r in rows)
print(f"B on PostgreSQL, N={n}, median of {len(rows)} runs: process {n / m(lambda r: r[1]):,.0f} jobs/s, enqueue {n / m(lambda r: r[0]):,.0f} jobs/s, "
      f"worker CPU {m(lambda r: r[2]) / n:.1f} us/job, PostgreSQL CPU {m(lambda r: r[4]) / n:.1f} us/job processing "
      f"and {m(lambda r: r[3]) / n:.1f} enqueueing; starts: at most {m(lambda r: r[5]):,.0f} in a second, {m(lambda r: r[6]):,.1f}/s on average")
PY

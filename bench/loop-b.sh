#!/usr/bin/env bash
# Workload B on Errand alone, repeated: the quick before/after check of a hot-path change (the full side-by-side run
# is `dotnet run -c Release --project bench/Errand.Bench`). Prints the median of RUNS runs of: process jobs/s,
# enqueue jobs/s, worker CPU per job, Redis CPU per job (processing and enqueueing), allocations per job.
#   bench/loop-b.sh [N=20000] [RUNS=5] [CONCURRENCY=50]
# ENQUEUE_ARGS and WORK_ARGS add driver options, for the limits row: ENQUEUE_ARGS="--keys 1000" gives the jobs 1,000
# group keys; WORK_ARGS="--fn-limit 50", "--key-limit 1", "--rate 100 --period-ms 1000" store those limits first.
set -euo pipefail
N=${1:-20000}; RUNS=${2:-5}; C=${3:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/artifacts/bench-loop
WORK=$(mktemp -d)
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
dotnet publish "$ROOT/bench/Errand.Bench" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -nologo -v:q -o "$OUT" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --logfile "$WORK/redis.log"
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
redis_cpu() { redis-cli -p "$PORT" info cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.6f", s}'; }
driver() { exec dotnet "$OUT/Errand.Bench.dll" driver "$@" --redis "127.0.0.1:$PORT" --n "$N"; }
wait_for() { until grep -q "$1" "$2" 2>/dev/null; do sleep 0.05; done; }

for run in $(seq "$RUNS"); do
  redis-cli -p "$PORT" flushall >/dev/null
  r0=$(redis_cpu)
  exec 3> >(driver enqueue --inflight 50 ${ENQUEUE_ARGS:-} > "$WORK/enqueue.out")
  wait_for @ready "$WORK/enqueue.out"; echo go >&3; wait_for @result "$WORK/enqueue.out"; exec 3>&-
  r1=$(redis_cpu)
  mkfifo "$WORK/in"; driver work --concurrency "$C" ${WORK_ARGS:-} < "$WORK/in" > "$WORK/work.out" & pid=$!; exec 4> "$WORK/in"
  wait_for @ready "$WORK/work.out"
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); r2=$(redis_cpu)
  echo go >&4; wait_for @result "$WORK/work.out"
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); r3=$(redis_cpu)
  exec 4>&-; wait "$pid" || true; rm "$WORK/in"
  echo "$(grep -o '"seconds":[0-9.]*' "$WORK/enqueue.out" | cut -d: -f2) $(grep -o '"seconds":[0-9.]*' "$WORK/work.out" | cut -d: -f2)" \
       "$(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) ))" "$r0 $r1 $r2 $r3" \
       "$(grep -o '"allocated_bytes_per_job":[0-9]*' "$WORK/work.out" | cut -d: -f2)" \
       "$(grep -o '"max_starts_in_a_second":[0-9]*' "$WORK/work.out" | cut -d: -f2)" \
       "$(grep -o '"starts_per_second":[0-9.]*' "$WORK/work.out" | cut -d: -f2)" >> "$WORK/runs"
done

python3 - "$N" "$WORK/runs" <<'PY'
import statistics as st, sys
n = int(sys.argv[1]); rows = [list(map(float, l.split())) for l in open(sys.argv[2])]
m = lambda f: st.median(f(r) for r in rows)
print(f"B, N={n}, median of {len(rows)} runs: process {n / m(lambda r: r[1]):,.0f} jobs/s, enqueue {n / m(lambda r: r[0]):,.0f} jobs/s, "
      f"worker CPU {m(lambda r: r[2]) / n:.1f} us/job, Redis CPU {m(lambda r: r[6] - r[5]) * 1e6 / n:.1f} us/job processing "
      f"and {m(lambda r: r[4] - r[3]) * 1e6 / n:.1f} enqueueing, {m(lambda r: r[7]):,.0f} bytes allocated per job; "
      f"starts: at most {m(lambda r: r[8]):,.0f} in a second, {m(lambda r: r[9]):,.1f}/s on average")
PY

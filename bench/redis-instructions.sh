#!/usr/bin/env bash
# Redis's own work per job, counted in instructions: redis-server runs under valgrind's callgrind, which counts what
# it executes while Errand enqueues N jobs (50 in flight) and then processes them (concurrency 50). Unlike CPU time,
# the count does not move with the machine's load, so a change to a Lua script or to what the backend sends shows up
# even when it is a few percent. Redis runs about 50 times slower under callgrind, so batches are larger than in a
# live run (about 25 enqueues and 10 jobs per call here); compare counts with each other, not with CPU time.
#   bench/redis-instructions.sh [N=2000] [RUNS=2]   (needs valgrind: apt-get install -y valgrind)
# ENQUEUE_ARGS and WORK_ARGS add driver options, as in loop-b.sh ("--keys 1000"; "--fn-limit 50", "--key-limit 1").
# Prints, per run, instructions per job for the enqueue and the processing phases, and the script calls.
set -euo pipefail
N=${1:-2000}; RUNS=${2:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/artifacts/bench-loop
WORK=$(mktemp -d)
trap 'redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }
dotnet publish "$ROOT/bench/Errand.Bench" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -nologo -v:q -o "$OUT" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
driver() { dotnet "$OUT/Errand.Bench.dll" driver "$@" --redis "127.0.0.1:$PORT" --n "$N"; }
total() { callgrind_annotate "$1" 2>/dev/null | awk '!done && /PROGRAM TOTALS/ {gsub(",", "", $1); print $1; done = 1}'; }
calls() { redis-cli -p "$PORT" info commandstats | awk -F'[=,]' '/^cmdstat_evalsha:/ {print $2}'; }

for run in $(seq "$RUNS"); do
  for phase in enqueue process; do
    # Instrumentation starts off: the server's start and (for the processing phase) the enqueue are not counted.
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/cg.$phase" \
      redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no > "$WORK/valgrind.log" 2>&1 &
    vg=$!
    until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.2; done
    if [ "$phase" = process ]; then echo go | driver enqueue --inflight 50 ${ENQUEUE_ARGS:-} > /dev/null; fi
    redis-cli -p "$PORT" config resetstat > /dev/null
    callgrind_control -i on "$vg" > /dev/null 2>&1
    if [ "$phase" = enqueue ]; then
      echo go | driver enqueue --inflight 50 ${ENQUEUE_ARGS:-} > /dev/null
    else
      echo go | driver work --concurrency 50 ${WORK_ARGS:-} > /dev/null
    fi
    callgrind_control -i off "$vg" > /dev/null 2>&1
    script_calls=$(calls)
    redis-cli -p "$PORT" shutdown nosave > /dev/null 2>&1 || true
    wait "$vg" || true
    ir=$(total "$WORK/cg.$phase")
    echo "run $run $phase: $((ir / N)) instructions per job, $script_calls script calls for $N jobs"
  done
done

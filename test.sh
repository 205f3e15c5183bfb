#!/usr/bin/env bash
# Runs every test of the repository against real servers, then prints one line: "N passed, N failed".
# Installs redis-server, postgresql and chromium from Debian's packages when they are missing (the tests start their own
# redis-server and PostgreSQL on free ports, and drive chromium headless).
set -uo pipefail
cd "$(dirname "$0")"

missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -x /usr/bin/chromium ] || missing="$missing chromium"   # the dashboard's browser tests
# PostgreSQL's server binaries (initdb, pg_ctl): the tests start their own server on a free port. Debian keeps them off the PATH.
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ]; then
  echo "missing:$missing; installing from Debian's packages" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build Errand.slnx -c Release -nologo -v:q 2>&1 | tee "$log"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  echo "0 passed, 1 failed"
  exit 1
fi

# Microsoft.Testing.Platform (global.json): each test assembly runs as its own process; --timeout stops a hung run.
dotnet test --solution Errand.slnx -c Release --no-build --timeout 30m "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

passed=$(grep -oE '^ +succeeded: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE '^ +failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the runner itself failed (a crash or a hang): count it
fi

# Benchmark smoke run (CI, or ERRAND_BENCH_SMOKE=1): Errand only, N=200, one repetition, no timing assertion.
# It only proves the harness still runs end to end; it counts as one test.
if [ "${ERRAND_BENCH_SMOKE:-${CI:-}}" = "1" ] || [ "${CI:-}" = "true" ]; then
  echo "benchmark smoke run: dotnet run --project bench/Errand.Bench -- --peers none --n 200 --runs 1 --no-save"
  if timeout 300 dotnet run -c Release --no-build --project bench/Errand.Bench -- --peers none --n 200 --runs 1 --no-save; then
    passed=$((passed + 1))
  else
    echo "benchmark smoke run failed" >&2
    failed=$((failed + 1))
    rc=1
  fi
fi
echo "$passed passed, $failed failed"
exit "$rc"

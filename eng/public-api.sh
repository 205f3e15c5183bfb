#!/usr/bin/env bash
# Records the public API of every package (src/*/PublicAPI.Unshipped.txt) from what the build reports: see
# eng/public-api.py. Run it after a deliberate change of the public API and read the diff of the PublicAPI files.
set -euo pipefail
exec python3 "$(dirname "$0")/public-api.py"

#!/usr/bin/env bash
# Records the public API of every package: adds what the build reports as unrecorded (RS0016, RS0017) to each
# src/*/PublicAPI.Unshipped.txt, through the analyzer's own code fix. Run it after a deliberate change of the public
# API, and read the diff of the PublicAPI files before committing: it is the change a user of the packages sees.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 RS0037 --severity info -v q
done

#!/usr/bin/env bash
# The run command: from a fresh clone to a running tally (embedded mode:
# ingest, processor, API and dashboard in one process, data under ./.tally).
# Installs the node dependencies when they are missing, then runs
# `tally start` with any arguments given, e.g.: bash scripts/start.sh --demo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "start: installing node dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
exec node bin/tally.js start "$@"

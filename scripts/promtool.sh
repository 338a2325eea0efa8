#!/usr/bin/env bash
# `promtool check metrics` over a live /metrics (CI step, run by .ci/run):
# starts `tally start` on a free port with a throw-away data directory, sends
# a few events so that the labelled series exist, scrapes GET /metrics and
# lints it with Prometheus's own promtool. Exits non-zero on any problem.
#
# promtool is built once from the Go module proxy (`go install
# github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION`; about 10
# minutes of CPU on a cold Go cache, seconds on a warm one) and kept in
# $TALLY_PROMTOOL_DIR (default ~/.cache/tally/promtool-<version>, outside the
# checkout so that later CI runs on the same machine reuse it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROMTOOL_VERSION="${PROMTOOL_VERSION:-v0.316.0}"
BIN_DIR="${TALLY_PROMTOOL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tally/promtool-$PROMTOOL_VERSION}"
PROMTOOL="$BIN_DIR/promtool"

say() { echo "promtool: $*" >&2; }

if [ ! -x "$PROMTOOL" ]; then
  command -v go >/dev/null || { say "error: go is not installed (needed to build promtool)"; exit 1; }
  say "building promtool $PROMTOOL_VERSION into $BIN_DIR (once)"
  started=$(date +%s)
  mkdir -p "$BIN_DIR"
  GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION" >&2
  say "built in $(( $(date +%s) - started ))s"
fi
"$PROMTOOL" --version 2>&1 | head -1 >&2

data="$(mktemp -d)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
node "$ROOT/bin/tally.js" start --port "$port" --data-dir "$data" >"$data/tally.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -sf "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { say "error: tally start exited"; cat "$data/tally.log" >&2; exit 1; }
  sleep 0.5
done
curl -sf "$base/readyz" >/dev/null || { say "error: tally start not ready after 60 s"; tail -20 "$data/tally.log" >&2; exit 1; }

# A few events (one invalid) and reads, so counters, histograms and their labels have series.
curl -sf -o /dev/null -H 'content-type: application/json' "$base/v1/events" \
  -d '[{"tenant":"acme","user_id":"u1","provider":"openai","model":"gpt-4o-mini","usage":{"prompt_tokens":10,"completion_tokens":2}},{"model":""}]'
curl -sf -o /dev/null "$base/v1/usage/summary" || true
curl -s -o /dev/null "$base/v1/budgets/nope" || true
sleep 2

curl -sf "$base/metrics" >"$data/metrics.txt"
families=$(grep -c '^# TYPE ' "$data/metrics.txt")
if "$PROMTOOL" check metrics <"$data/metrics.txt"; then
  say "GET /metrics of tally start: $families metric families, promtool check metrics clean"
else
  say "error: promtool check metrics found problems in GET /metrics (above)"
  exit 1
fi

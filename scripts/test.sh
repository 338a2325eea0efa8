#!/usr/bin/env bash
# The test command: from a fresh clone to a finished test run on a machine with
# Node 20, Java and Maven (apt-get fills in Redis and Chromium). Installs the
# node dependencies, starts Redis, a Redis Cluster and Kafka natively
# (scripts/services.sh), runs lint, typecheck and every test, and stops the
# services again whatever happened.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$(date +%s)
echo "== npm ci"
npm ci --no-audit --no-fund

echo "== chromium (for the dashboard's browser test)"
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
fi
chromium --version
mkdir -p test-artifacts

echo "== services"
trap 'bash scripts/services.sh stop' EXIT
# Assigned first: a failed start must stop the run (eval "$(…)" would swallow the error).
service_env="$(bash scripts/services.sh start)"
eval "$service_env"
export TALLY_REQUIRE_SERVICES=1

echo "== lint";      npm run --silent lint
echo "== layers";    npm run --silent deps
echo "== typecheck"; npm run --silent typecheck
echo "== tests (KAFKA_BROKERS=$KAFKA_BROKERS REDIS_URL=$REDIS_URL REDIS_CLUSTER_NODES=$REDIS_CLUSTER_NODES CLICKHOUSE_URL=${CLICKHOUSE_URL:-<chDB stand-in>})"
npx vitest run
echo "== done in $(( $(date +%s) - started ))s"

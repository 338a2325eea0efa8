#!/usr/bin/env bash
# Real services for tally's tests and local runs, without Docker:
#   - Redis (Debian's redis-server, installed when missing) on 127.0.0.1:16379
#   - a three-master Redis Cluster on 127.0.0.1:17001-17003
#   (ports: TALLY_REDIS_PORT, TALLY_CLUSTER_PORT_BASE, TALLY_KAFKA_PORT, TALLY_KAFKA_CONTROLLER_PORT;
#   cluster nodes also use their port + 10000 for the cluster bus)
#   - a single-node Apache Kafka broker in KRaft mode on 127.0.0.1:19092
#     (jars resolved by Maven from scripts/kafka/pom.xml, run with java)
#
#   bash scripts/services.sh start [WHAT...]  start what is not running, wait until each answers,
#                                     print the URLs as `export` lines on stdout
#   bash scripts/services.sh env      print the `export` lines only
#   bash scripts/services.sh status   say what is up
#   bash scripts/services.sh stop [WHAT...]   stop what this script started: SIGTERM, then
#                                     SIGKILL after a grace period (Kafka 30 s, Redis 10 s)
#   bash scripts/services.sh kill [WHAT...]   SIGKILL at once (crash tests)
# WHAT is any of redis, cluster, kafka; none means all three. Tests that stop
# and restart a service use instances of their own: another TALLY_SERVICES_DIR
# and other ports. TALLY_KAFKA_LIBS names an existing directory of broker jars
# (e.g. .services/kafka/libs) so that such an instance skips the Maven step.
#
# Typical use: eval "$(bash scripts/services.sh start)"
# Progress goes to stderr so that stdout stays eval-able. A second `start`
# while everything is up is a no-op. State lives under .services/ (override
# with TALLY_SERVICES_DIR).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${TALLY_SERVICES_DIR:-$ROOT/.services}"
REDIS_PORT="${TALLY_REDIS_PORT:-16379}"
CLUSTER_BASE="${TALLY_CLUSTER_PORT_BASE:-17001}"
CLUSTER_PORTS=("$CLUSTER_BASE" "$((CLUSTER_BASE + 1))" "$((CLUSTER_BASE + 2))")
KAFKA_PORT="${TALLY_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${TALLY_KAFKA_CONTROLLER_PORT:-19093}"

say() { echo "services: $*" >&2; }
die() { echo "services: error: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

print_env() { # [WHAT...]
  local what=" ${*:-redis cluster kafka} "
  case "$what" in *" redis "*) echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT" ;; esac
  case "$what" in *" cluster "*) echo "export REDIS_CLUSTER_NODES=127.0.0.1:${CLUSTER_PORTS[0]},127.0.0.1:${CLUSTER_PORTS[1]},127.0.0.1:${CLUSTER_PORTS[2]}" ;; esac
  case "$what" in *" kafka "*) echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT" ;; esac
}

# ---------------------------------------------------------------- Redis
ensure_redis_installed() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return; fi
  say "installing redis-server with apt-get"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
  # Debian's package may start a system Redis on 6379; tally does not use it.
  command -v redis-server >/dev/null || die "redis-server is still missing after apt-get install"
}

redis_ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

start_redis_node() { # port dir [extra args...]
  local port=$1 dir=$2; shift 2
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no "$@" >&2
}

wait_for() { # description seconds command...
  local what=$1 secs=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $end ] || die "$what did not answer within ${secs}s"
    sleep 0.2
  done
}

start_redis() {
  if alive "$DIR/redis/redis.pid" && redis_ping "$REDIS_PORT"; then say "redis already up on $REDIS_PORT"; return; fi
  start_redis_node "$REDIS_PORT" "$DIR/redis"
  wait_for "redis on $REDIS_PORT" 20 redis_ping "$REDIS_PORT"
  say "redis up on $REDIS_PORT"
}

cluster_ok() { redis-cli -h 127.0.0.1 -p "${CLUSTER_PORTS[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; }

start_cluster() {
  local all_up=1 port
  for port in "${CLUSTER_PORTS[@]}"; do alive "$DIR/cluster/$port/redis.pid" || all_up=0; done
  if [ $all_up = 1 ] && cluster_ok; then say "redis cluster already up on ${CLUSTER_PORTS[*]}"; return; fi
  stop_cluster
  rm -rf "$DIR/cluster"
  # Three masters, no replicas: there is nothing to fail over to, so a node marked failed only takes the
  # whole cluster down (CLUSTERDOWN). A loaded CI machine can stall a node for seconds; the long node
  # timeout and partial coverage keep a stall from failing every test that uses the cluster at that time.
  for port in "${CLUSTER_PORTS[@]}"; do
    start_redis_node "$port" "$DIR/cluster/$port" --cluster-enabled yes \
      --cluster-config-file "$DIR/cluster/$port/nodes.conf" --cluster-node-timeout 60000 \
      --cluster-require-full-coverage no
  done
  for port in "${CLUSTER_PORTS[@]}"; do wait_for "redis cluster node $port" 20 redis_ping "$port"; done
  redis-cli --cluster create "${CLUSTER_PORTS[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >"$DIR/cluster/create.log" 2>&1 \
    || die "redis-cli --cluster create failed (see $DIR/cluster/create.log)"
  wait_for "redis cluster state ok" 30 cluster_ok
  say "redis cluster up on ${CLUSTER_PORTS[*]} (3 masters)"
}

stop_cluster() {
  local port
  for port in "${CLUSTER_PORTS[@]}"; do stop_pidfile "$DIR/cluster/$port/redis.pid" "redis cluster node $port"; done
}

# ---------------------------------------------------------------- Kafka
ensure_java_maven() {
  command -v java >/dev/null && command -v mvn >/dev/null && return
  say "installing a JRE and Maven with apt-get"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless maven >&2
}

KAFKA_LIBS="${TALLY_KAFKA_LIBS:-$DIR/kafka/libs}"

kafka_libs() {
  local pom="$ROOT/scripts/kafka/pom.xml" libs="$KAFKA_LIBS" stamp
  stamp="$(sha256sum "$pom" | cut -c1-16)"
  if [ -f "$libs/.stamp" ] && [ "$(cat "$libs/.stamp")" = "$stamp" ]; then return; fi
  say "resolving the Kafka broker's jars with Maven (once)"
  rm -rf "$libs"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$libs" >&2 \
    || die "Maven could not resolve the Kafka broker (scripts/kafka/pom.xml)"
  echo "$stamp" >"$libs/.stamp"
}

kafka_ready() { node "$ROOT/scripts/kafka-ready.mjs" "127.0.0.1:$KAFKA_PORT" "${1:-2}" 2>/dev/null; }

start_kafka() {
  if alive "$DIR/kafka/kafka.pid" && kafka_ready 5; then say "kafka already up on $KAFKA_PORT"; return; fi
  stop_pidfile "$DIR/kafka/kafka.pid" kafka
  ensure_java_maven
  kafka_libs
  local conf="$DIR/kafka/server.properties" data="$DIR/kafka/data"
  mkdir -p "$DIR/kafka"
  cat >"$conf" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Short sessions let crash tests replace a SIGKILLed consumer in seconds.
group.min.session.timeout.ms=1000
auto.create.topics.enable=false
log.retention.hours=168
EOF
  local cp="$KAFKA_LIBS/*" log4j="-Dlog4j.configuration=file:$ROOT/scripts/kafka/log4j.properties"
  if [ ! -f "$data/meta.properties" ]; then
    local id
    id="$(java -cp "$cp" "$log4j" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java -cp "$cp" "$log4j" kafka.tools.StorageTool format -t "$id" -c "$conf" >&2 \
      || die "could not format Kafka's KRaft storage"
  fi
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -cp "$cp" "$log4j" kafka.Kafka "$conf" \
    >"$DIR/kafka/kafka.log" 2>&1 </dev/null &
  echo $! >"$DIR/kafka/kafka.pid"
  say "kafka starting (pid $(cat "$DIR/kafka/kafka.pid")), waiting for a Metadata answer"
  kafka_ready 120 || { tail -20 "$DIR/kafka/kafka.log" >&2; die "kafka did not answer on $KAFKA_PORT"; }
  say "kafka up on $KAFKA_PORT"
}

# ---------------------------------------------------------------- common
stop_pidfile() { # pidfile name [grace seconds; 0 = SIGKILL at once]
  local file=$1 name=$2 grace=${3:-10} pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    if [ "$grace" = 0 ]; then
      kill -9 "$pid" 2>/dev/null || true
    else
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    say "$name stopped ($([ "$grace" = 0 ] && echo SIGKILL || echo SIGTERM))"
  fi
  rm -f "$file"
}

stop_services() { # grace(0 = SIGKILL) what...
  local grace=$1 what port; shift
  for what in "$@"; do
    case "$what" in
      kafka) stop_pidfile "$DIR/kafka/kafka.pid" kafka "$([ "$grace" = 0 ] && echo 0 || echo 30)" ;;
      cluster) for port in "${CLUSTER_PORTS[@]}"; do stop_pidfile "$DIR/cluster/$port/redis.pid" "redis cluster node $port" "$grace"; done ;;
      redis) stop_pidfile "$DIR/redis/redis.pid" redis "$grace" ;;
      *) die "unknown service $what (redis, cluster or kafka)" ;;
    esac
  done
}

status() {
  if alive "$DIR/redis/redis.pid" && redis_ping "$REDIS_PORT"; then echo "redis: up on $REDIS_PORT"; else echo "redis: down"; fi
  if cluster_ok 2>/dev/null; then echo "redis cluster: up on ${CLUSTER_PORTS[*]}"; else echo "redis cluster: down"; fi
  if alive "$DIR/kafka/kafka.pid" && kafka_ready 2; then echo "kafka: up on $KAFKA_PORT"; else echo "kafka: down"; fi
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
  start)
    mkdir -p "$DIR"
    [ $# -gt 0 ] || set -- redis cluster kafka
    for what in "$@"; do
      case "$what" in
        redis) ensure_redis_installed; start_redis ;;
        cluster) ensure_redis_installed; start_cluster ;;
        kafka) start_kafka ;;
        *) die "unknown service $what (redis, cluster or kafka)" ;;
      esac
    done
    print_env "$@"
    ;;
  stop) [ $# -gt 0 ] || set -- kafka cluster redis; stop_services 10 "$@" ;;
  kill) [ $# -gt 0 ] || set -- kafka cluster redis; stop_services 0 "$@" ;;
  env) print_env ;;
  status) status ;;
  *) echo "usage: $0 start|stop|kill [redis|cluster|kafka]... | status | env" >&2; exit 2 ;;
esac

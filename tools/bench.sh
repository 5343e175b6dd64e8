#!/usr/bin/env bash
# ringkv vs redis-server on this machine, same settings, three runs:
#  1. throughput and latency: both servers pinned to CPU $SERVER_CPU (the
#     rounds alternate, so one is loaded at a time), redis-benchmark pinned
#     to CPU $CLIENT_CPU (../shared/tools/sidebyside.py);
#  2. memory: DEBUG POPULATE 1000000 into a fresh server of each kind, growth
#     of VmRSS and of INFO used_memory;
#  3. instructions per request under callgrind, same request stream
#     (../shared/tools/perf/instr-compare.sh, ringkv --shards 1).
# Then a markdown report (tools/bench_report.py) on stdout; --write also puts
# it into docs/performance.md between <!-- bench.sh:begin --> and
# <!-- bench.sh:end -->. Every server it starts is stopped on exit.
#
#   tools/bench.sh [--shards 1] [--tests set,get,incr,lpush,rpop,sadd,hset,zadd,mset]
#                  [--pipeline 1,16] [--rounds 3] [--clients 50] [--keyspace 100000]
#                  [--requests 200000] [--instr-tests set,get] [--instr-pipeline 16]
#                  [--no-memory] [--no-instr] [--write] [--binary PATH]
#
# --binary: the ringkv to measure (default: `cargo build --release`, then
# ${CARGO_TARGET_DIR:-target}/release/ringkv). Environment: SERVER_CPU (0),
# CLIENT_CPU (1), RK_PORT (7301), REF_PORT (7302), INSTR_PORT (7303),
# SHARED (../shared, the shared tools). The defaults took 13 min on this
# shared machine with other jobs running (throughput 11, memory 0.5, callgrind 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "bench.sh: $*" >&2; exit 1; }

CMDLINE="tools/bench.sh"
for a in "$@"; do
  case $a in ''|*[!A-Za-z0-9_,./:=+-]*) a=$(printf '%q' "$a") ;; esac
  CMDLINE+=" $a"
done
SHARDS=1 TESTS=set,get,incr,lpush,rpop,sadd,hset,zadd,mset PIPELINE=1,16 ROUNDS=3
CLIENTS=50 KEYSPACE=100000 REQUESTS=200000 INSTR_TESTS=set,get INSTR_PIPELINE=16
MEMORY=1 INSTR=1 WRITE=0 BINARY=""
POPULATE=1000000
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
RK_PORT=${RK_PORT:-7301} REF_PORT=${REF_PORT:-7302} INSTR_PORT=${INSTR_PORT:-7303}
SHARED=${SHARED:-../shared}
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage 0 ;;
    --shards|--tests|--pipeline|--rounds|--clients|--keyspace|--requests|--instr-tests|--instr-pipeline|--binary)
      [ $# -ge 2 ] || die "$1 needs a value" ;;&
    --shards) SHARDS=$2; shift 2 ;;
    --tests) TESTS=$2; shift 2 ;;
    --pipeline) PIPELINE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --keyspace) KEYSPACE=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --instr-tests) INSTR_TESTS=$2; shift 2 ;;
    --instr-pipeline) INSTR_PIPELINE=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    --no-memory) MEMORY=0; shift ;;
    --no-instr) INSTR=0; shift ;;
    --write) WRITE=1; shift ;;
    *) echo "bench.sh: unknown option $1" >&2; usage 2 ;;
  esac
done
for v in SHARDS ROUNDS CLIENTS KEYSPACE REQUESTS RK_PORT REF_PORT INSTR_PORT; do
  case ${!v} in ''|*[!0-9]*) die "$v must be a non-negative integer (got '${!v}')" ;; esac
done
[ "$ROUNDS" -ge 1 ] || die "--rounds must be >= 1"
for v in PIPELINE INSTR_PIPELINE; do
  case ${!v} in ''|*[!0-9,]*) die "$v must be a comma-separated list of numbers (got '${!v}')" ;; esac
done

need=(redis-server redis-cli redis-benchmark taskset python3)
[ "$INSTR" = 1 ] && need+=(valgrind callgrind_control)
for t in "${need[@]}"; do command -v "$t" >/dev/null || die "$t not found in PATH"; done
[ -f "$SHARED/tools/sidebyside.py" ] || die "$SHARED/tools/sidebyside.py not found (set SHARED=path/to/shared)"
SHARED=$(cd "$SHARED" && pwd)

if [ -z "$BINARY" ]; then
  cargo build --release -q
  BINARY="${CARGO_TARGET_DIR:-target}/release/ringkv"
fi
[ -x "$BINARY" ] || die "$BINARY is not an executable"
BINARY=$(realpath "$BINARY")

OUT=$(mktemp -d /tmp/bench.XXXXXXXX)
PIDS=()
OK=0

# Stop every server started here: SIGTERM, SIGKILL after 10 s, reap.
stop_all() {
  local pid i
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 1 100); do
      grep -qs '^State:[[:space:]]*[^Z]' "/proc/$pid/status" || break
      [ "$i" = 100 ] && kill -KILL "$pid" 2>/dev/null
      sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_all
  if [ "$OK" = 1 ]; then rm -rf "$OUT"; else echo "bench.sh: failed; logs in $OUT" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! redis-cli -p "$1" ping >/dev/null 2>&1; }

# start NAME PORT CMD...: the server pinned to SERVER_CPU; PID in $LAST.
start() {
  local name=$1 port=$2; shift 2
  port_free "$port" || die "port $port is already in use"
  taskset -c "$SERVER_CPU" "$@" >"$OUT/$name.log" 2>&1 &
  LAST=$!
  PIDS+=("$LAST")
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$LAST" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$OUT/$name.log" >&2
  die "$name did not answer PING on port $port"
}
start_ringkv() {
  mkdir -p "$OUT/data-$1"
  start "ringkv-$1" "$RK_PORT" "$BINARY" --port "$RK_PORT" --shards "$SHARDS" \
    --appendonly no --dir "$OUT/data-$1"
  RK=$LAST
}
start_redis() {
  start "redis-$1" "$REF_PORT" redis-server --port "$REF_PORT" --save '' --appendonly no \
    --dir "$OUT" --enable-debug-command local
  REF=$LAST
}

cat >"$OUT/settings" <<EOF
BINARY=$BINARY
SHARDS=$SHARDS
ROUNDS=$ROUNDS
CLIENTS=$CLIENTS
KEYSPACE=$KEYSPACE
REQUESTS=$REQUESTS
SERVER_CPU=$SERVER_CPU
CLIENT_CPU=$CLIENT_CPU
INSTR_ARGS=--tests $INSTR_TESTS --pipeline $INSTR_PIPELINE, instr.sh's defaults otherwise (100,000 requests, 50 clients, keyspace 100,000, 3-byte values, prefilled)
EOF
echo "$CMDLINE" >"$OUT/cmdline"

echo "== throughput: $TESTS, pipeline $PIPELINE, $ROUNDS rounds" >&2
start_ringkv bench
start_redis bench
python3 "$SHARED/tools/sidebyside.py" --ref "127.0.0.1:$REF_PORT" --target "127.0.0.1:$RK_PORT" \
  --tests "$TESTS" --pipeline "$PIPELINE" --rounds "$ROUNDS" --client-cpu "$CLIENT_CPU" \
  --clients "$CLIENTS" --keyspace "$KEYSPACE" --requests "$REQUESTS" | tee "$OUT/throughput.txt" \
  || die "throughput run failed"
stop_all

if [ "$MEMORY" = 1 ]; then
  echo "== memory: DEBUG POPULATE $POPULATE" >&2
  start_ringkv mem
  start_redis mem
  rss() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }
  used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }
  : >"$OUT/memory.tsv"
  for s in redis:$REF_PORT:$REF ringkv:$RK_PORT:$RK; do
    IFS=: read -r name port pid <<<"$s"
    [ "$(redis-cli -p "$port" dbsize)" = 0 ] || die "$name: not empty before DEBUG POPULATE"
    rss0=$(rss "$pid") used0=$(used "$port")
    reply=$(redis-cli -p "$port" debug populate "$POPULATE")
    [ "$reply" = OK ] || die "$name: DEBUG POPULATE answered: $reply"
    n=$(redis-cli -p "$port" dbsize)
    [ "$n" = "$POPULATE" ] || die "$name: DBSIZE $n after DEBUG POPULATE $POPULATE"
    sleep 1
    rss1=$(rss "$pid") used1=$(used "$port")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$n" "$rss0" "$rss1" "$used0" "$used1" >>"$OUT/memory.tsv"
    echo "$name: VmRSS $rss0 -> $rss1, used_memory $used0 -> $used1," \
      "$(( (rss1 - rss0) / n )) RSS bytes/key" >&2
  done
  stop_all
fi

if [ "$INSTR" = 1 ]; then
  echo "== instructions: $INSTR_TESTS, pipeline $INSTR_PIPELINE (callgrind)" >&2
  mkdir -p "$OUT/data-instr"
  port_free "$INSTR_PORT" || die "port $INSTR_PORT is already in use"
  "$SHARED/tools/perf/instr-compare.sh" \
    --ref-cmd 'redis-server --port {port} --save "" --appendonly no' --ref-name redis \
    --target-cmd "$(printf '%q' "$BINARY") --port {port} --shards 1 --appendonly no --dir $(printf '%q' "$OUT/data-instr")" \
    --target-name ringkv --port "$INSTR_PORT" --tests "$INSTR_TESTS" --pipeline "$INSTR_PIPELINE" \
    | tee "$OUT/instr.txt" || die "instruction run failed"
fi

echo "== report" >&2
report=(python3 tools/bench_report.py --out "$OUT")
[ "$WRITE" = 1 ] && report+=(--write docs/performance.md)
"${report[@]}" || die "report failed"
OK=1

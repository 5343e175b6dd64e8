#!/usr/bin/env bash
# Side-by-side throughput of ringkv and redis-server on this machine:
# both servers pinned to CPU $SERVER_CPU (one at a time is loaded: the
# rounds alternate), redis-benchmark pinned to CPU $CLIENT_CPU.
#
#   tools/bench.sh [--shards N] [--tests set,get] [--pipeline 1,16] [--rounds 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SHARDS=1 TESTS=set,get,incr,lpush,mset PIPELINE=1,16 ROUNDS=3
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) SHARDS=$2; shift 2 ;;
    --tests) TESTS=$2; shift 2 ;;
    --pipeline) PIPELINE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
RK_PORT=${RK_PORT:-7301} REF_PORT=${REF_PORT:-7302}
cargo build --release -q
DATA=$(mktemp -d)
taskset -c "$SERVER_CPU" ./target/release/ringkv --port $RK_PORT --shards "$SHARDS" --appendonly no --dir "$DATA" >"$DATA/log" 2>&1 &
RK=$!
taskset -c "$SERVER_CPU" redis-server --port $REF_PORT --save '' --appendonly no --daemonize no >"$DATA/redis.log" 2>&1 &
REF=$!
trap 'kill $RK $REF 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  redis-cli -p $RK_PORT ping >/dev/null 2>&1 && redis-cli -p $REF_PORT ping >/dev/null 2>&1 && break
  sleep 0.1
done
python3 ../shared/tools/sidebyside.py --ref 127.0.0.1:$REF_PORT --target 127.0.0.1:$RK_PORT \
  --tests "$TESTS" --pipeline "$PIPELINE" --rounds "$ROUNDS" --client-cpu "$CLIENT_CPU" --keyspace 100000

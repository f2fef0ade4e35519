#!/usr/bin/env bash
# Arasul dead-man switch (host side). Run every minute by arasul-deadman.timer.
#
# The self-healing-agent restarts single containers from inside the stack. This script covers what it
# cannot: the agent itself, the Docker engine, or the whole stack being wedged. When the gateway's
# /api/health has failed (or the engine has not answered) for ARASUL_DEADMAN_GRACE_MIN minutes in a
# row, it restarts the engine or the stack; bounded to ARASUL_DEADMAN_MAX_RESTARTS per 24 h, after
# which it only reports (or reboots the host once a day, if ARASUL_DEADMAN_REBOOT=1).
#
# Install (as root, from the checkout):
#   install -m 0644 infra/host/arasul-deadman.service infra/host/arasul-deadman.timer /etc/systemd/system/
#   systemctl daemon-reload && systemctl enable --now arasul-deadman.timer
# The units expect the checkout at /opt/arasul; elsewhere, set ExecStart and ARASUL_DIR accordingly.
#
# Settings (environment, e.g. in /etc/default/arasul-deadman):
#   ARASUL_DIR                    the checkout with docker-compose.yml   (default: two levels above this script)
#   ARASUL_HEALTH_URL             default http://127.0.0.1:<GATEWAY_PORT from .env, else 8080>/api/health
#   ARASUL_DEADMAN_GRACE_MIN      minutes of continuous failure before acting     (default 10)
#   ARASUL_DEADMAN_MAX_RESTARTS   restarts allowed in 24 h                        (default 3)
#   ARASUL_DEADMAN_REBOOT         1: when restarts are used up, reboot (max once in 24 h)   (default 0)
#   ARASUL_DEADMAN_STATE          state directory                                 (default /var/lib/arasul-deadman)
#   ARASUL_COMPOSE_FILES          compose files, colon-separated (default docker-compose.yml, plus
#                                 docker-compose.jetson.yml on a Jetson)
#
# Idempotent: each run looks, records, and acts only when the thresholds say so. Every external
# command has a timeout; concurrent runs are excluded by a lock.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARASUL_DIR="${ARASUL_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}"
GRACE_MIN="${ARASUL_DEADMAN_GRACE_MIN:-10}"
MAX_RESTARTS="${ARASUL_DEADMAN_MAX_RESTARTS:-3}"
REBOOT="${ARASUL_DEADMAN_REBOOT:-0}"
STATE="${ARASUL_DEADMAN_STATE:-/var/lib/arasul-deadman}"
DAY=86400

log() { printf 'arasul-deadman: %s\n' "$*"; }
die() { log "$*" >&2; exit 1; }

[[ "$GRACE_MIN" =~ ^[0-9]+$ && "$GRACE_MIN" -ge 1 ]] || die "ARASUL_DEADMAN_GRACE_MIN must be a whole number >= 1"
[[ "$MAX_RESTARTS" =~ ^[0-9]+$ ]] || die "ARASUL_DEADMAN_MAX_RESTARTS must be a whole number"
[[ -f "$ARASUL_DIR/docker-compose.yml" ]] || die "no docker-compose.yml in $ARASUL_DIR (set ARASUL_DIR)"
command -v docker >/dev/null || die "docker is not installed"
command -v curl >/dev/null || die "curl is not installed"

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock -n 9 || { log "another run is in progress"; exit 0; }

if [[ -z "${ARASUL_HEALTH_URL:-}" ]]; then
  port="$(sed -n 's/^GATEWAY_PORT=\([0-9][0-9]*\).*/\1/p' "$ARASUL_DIR/.env" 2>/dev/null | tail -n1)"
  ARASUL_HEALTH_URL="http://127.0.0.1:${port:-8080}/api/health"
fi

compose_args=()
if [[ -n "${ARASUL_COMPOSE_FILES:-}" ]]; then
  IFS=: read -r -a files <<<"$ARASUL_COMPOSE_FILES"
else
  files=(docker-compose.yml)
  [[ -f /etc/nv_tegra_release && -f "$ARASUL_DIR/docker-compose.jetson.yml" ]] && files+=(docker-compose.jetson.yml)
fi
for f in "${files[@]}"; do compose_args+=(-f "$ARASUL_DIR/$f"); done
compose() { timeout "$1" docker compose --project-directory "$ARASUL_DIR" "${compose_args[@]}" "${@:2}"; }

now="$(date +%s)"
# Timestamps of past actions, pruned to the last 24 h.
recent() { # file -> count within the last day
  local file="$STATE/$1" count=0 t
  [[ -f "$file" ]] || { echo 0; return; }
  local kept=()
  while read -r t; do
    [[ "$t" =~ ^[0-9]+$ ]] && ((now - t < DAY)) && { kept+=("$t"); count=$((count + 1)); }
  done <"$file"
  printf '%s\n' "${kept[@]+"${kept[@]}"}" >"$file"
  echo "$count"
}

# ------------------------------------------------------------------ look
reason=""
if ! timeout 20 docker info >/dev/null 2>&1; then
  reason="engine"
elif ! curl -fsS -o /dev/null --max-time 10 "$ARASUL_HEALTH_URL" 2>/dev/null; then
  reason="gateway"
fi

if [[ -z "$reason" ]]; then
  if [[ -f "$STATE/unhealthy_since" ]]; then
    log "healthy again after $(((now - $(cat "$STATE/unhealthy_since")) / 60)) min"
    rm -f "$STATE/unhealthy_since"
  fi
  exit 0
fi

[[ -f "$STATE/unhealthy_since" ]] || echo "$now" >"$STATE/unhealthy_since"
since="$(cat "$STATE/unhealthy_since")"
[[ "$since" =~ ^[0-9]+$ ]] || { since="$now"; echo "$now" >"$STATE/unhealthy_since"; }
minutes=$(((now - since) / 60))

if [[ "$reason" == engine ]]; then
  log "the Docker engine does not answer (for $minutes min)"
else
  # What compose sees, for the journal: every container that is not running or not healthy.
  not_ok="$(compose 30 ps --all --format '{{.Service}} {{.State}} {{.Health}}' 2>/dev/null \
    | awk '$1 != "migrate" && ($2 != "running" || ($3 != "" && $3 != "healthy")) { printf "%s(%s%s) ", $1, $2, ($3 == "" ? "" : "/" $3) }' || true)"
  log "gateway health check $ARASUL_HEALTH_URL fails (for $minutes min); not ok: ${not_ok:-none reported}"
fi

((minutes >= GRACE_MIN)) || exit 0

# ------------------------------------------------------------------ act, within bounds
restarts="$(recent restarts)"
if ((restarts >= MAX_RESTARTS)); then
  if [[ "$REBOOT" == 1 ]] && (($(recent reboots) == 0)); then
    log "unhealthy for $minutes min after $restarts restarts in 24 h: rebooting the host"
    echo "$now" >>"$STATE/reboots"
    rm -f "$STATE/unhealthy_since"
    systemctl reboot
    exit 0
  fi
  die "unhealthy for $minutes min; $restarts restarts in the last 24 h used up, not restarting again (a person is needed: docker compose ps; docker compose logs)"
fi

echo "$now" >>"$STATE/restarts"
echo "$now" >"$STATE/unhealthy_since" # the restarted stack gets a full grace period
if [[ "$reason" == engine ]]; then
  log "restarting the Docker engine (restart $((restarts + 1)) of $MAX_RESTARTS in 24 h)"
  timeout 300 systemctl restart docker || die "systemctl restart docker failed"
else
  log "restarting the stack (restart $((restarts + 1)) of $MAX_RESTARTS in 24 h)"
  compose 600 restart --timeout 60 || log "docker compose restart failed; trying up -d"
  compose 600 up -d --remove-orphans || die "docker compose up -d failed"
fi
log "done; checking again in a minute"

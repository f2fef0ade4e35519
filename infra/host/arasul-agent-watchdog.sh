#!/usr/bin/env bash
# Arasul self-healing-agent watchdog (host side). Run every minute by arasul-agent-watchdog.timer.
#
# The self-healing-agent heals everyone else; this restarts the agent itself when its heartbeat file is
# stale (the agent writes it every 5 s, but only while its own evaluation loop is alive, so a hung agent
# that still answers HTTP is caught too). Works in both modes:
#   - Docker: the heartbeat lives in the compose volume `<project>_self-healing-state`; the agent is
#     restarted with `docker compose restart self-healing-agent`.
#   - native: the heartbeat is <checkout>/var/run/self-healing.heartbeat; the agent is restarted through
#     the supervisor's loopback control API with the token in var/run/supervisor.token.
# At most ARASUL_AGENT_WATCHDOG_MAX_RESTARTS restarts in 24 h; after that it only reports (the stack
# dead-man switch, arasul-deadman.timer, still covers the whole stack).
#
# Install (as root, from the checkout):
#   install -m 0644 infra/host/arasul-agent-watchdog.service infra/host/arasul-agent-watchdog.timer /etc/systemd/system/
#   systemctl daemon-reload && systemctl enable --now arasul-agent-watchdog.timer
#
# Settings (environment, e.g. in /etc/default/arasul-agent-watchdog):
#   ARASUL_DIR                           the checkout                               (default: two levels above)
#   ARASUL_MODE                          docker | native | auto                     (default auto: docker when
#                                        the compose project has a running self-healing-agent container)
#   ARASUL_AGENT_HEARTBEAT_FILE          override the heartbeat path
#   ARASUL_AGENT_HEARTBEAT_MAX_S         a heartbeat older than this is stale       (default 60)
#   ARASUL_AGENT_WATCHDOG_MAX_RESTARTS   restarts allowed in 24 h                   (default 6)
#   ARASUL_AGENT_WATCHDOG_STATE          state directory                  (default /var/lib/arasul-agent-watchdog)
#   COMPOSE_PROJECT_NAME                 default arasul
#   SUPERVISOR_PORT                      native control API port                    (default 8099)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARASUL_DIR="${ARASUL_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}"
MAX_AGE="${ARASUL_AGENT_HEARTBEAT_MAX_S:-60}"
MAX_RESTARTS="${ARASUL_AGENT_WATCHDOG_MAX_RESTARTS:-6}"
STATE="${ARASUL_AGENT_WATCHDOG_STATE:-/var/lib/arasul-agent-watchdog}"
PROJECT="${COMPOSE_PROJECT_NAME:-arasul}"
MODE="${ARASUL_MODE:-auto}"
DAY=86400

log() { printf 'arasul-agent-watchdog: %s\n' "$*"; }
die() { log "$*" >&2; exit 1; }

[[ "$MAX_AGE" =~ ^[0-9]+$ && "$MAX_AGE" -ge 10 ]] || die "ARASUL_AGENT_HEARTBEAT_MAX_S must be a whole number >= 10"
[[ "$MAX_RESTARTS" =~ ^[0-9]+$ ]] || die "ARASUL_AGENT_WATCHDOG_MAX_RESTARTS must be a whole number"
[[ "$PROJECT" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "COMPOSE_PROJECT_NAME is not a compose project name"

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock -n 9 || { log "another run is in progress"; exit 0; }

if [[ "$MODE" == auto ]]; then
  MODE=native
  if command -v docker >/dev/null && timeout 20 docker ps -q \
    --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=self-healing-agent" 2>/dev/null | grep -q .; then
    MODE=docker
  fi
fi

heartbeat="${ARASUL_AGENT_HEARTBEAT_FILE:-}"
if [[ -z "$heartbeat" ]]; then
  if [[ "$MODE" == docker ]]; then
    volume="$(timeout 20 docker volume inspect -f '{{.Mountpoint}}' "${PROJECT}_self-healing-state" 2>/dev/null)" \
      || die "the volume ${PROJECT}_self-healing-state does not exist"
    heartbeat="$volume/self-healing.heartbeat"
  else
    heartbeat="${ARASUL_VAR:-$ARASUL_DIR/var}/run/self-healing.heartbeat"
  fi
fi

now="$(date +%s)"
if [[ -f "$heartbeat" ]]; then
  age=$((now - $(stat -c %Y "$heartbeat")))
  if ((age <= MAX_AGE)); then exit 0; fi
  log "the agent's heartbeat ($heartbeat) is $age s old (limit $MAX_AGE s)"
else
  log "the agent's heartbeat ($heartbeat) does not exist"
  # A fresh install: give the agent the limit to write its first beat.
  [[ -f "$STATE/missing_since" ]] || echo "$now" >"$STATE/missing_since"
  (((now - $(cat "$STATE/missing_since")) > MAX_AGE)) || exit 0
fi

restarts=0
kept=()
if [[ -f "$STATE/restarts" ]]; then
  while read -r t; do
    [[ "$t" =~ ^[0-9]+$ ]] && ((now - t < DAY)) && { kept+=("$t"); restarts=$((restarts + 1)); }
  done <"$STATE/restarts"
fi
printf '%s\n' "${kept[@]+"${kept[@]}"}" >"$STATE/restarts"
((restarts < MAX_RESTARTS)) || die "$restarts restarts of the agent in 24 h used up; not restarting again (a person is needed)"

echo "$now" >>"$STATE/restarts"
rm -f "$STATE/missing_since"
if [[ "$MODE" == docker ]]; then
  log "restarting the self-healing-agent container (restart $((restarts + 1)) of $MAX_RESTARTS in 24 h)"
  timeout 120 docker compose --project-directory "$ARASUL_DIR" -p "$PROJECT" restart self-healing-agent \
    || die "docker compose restart self-healing-agent failed"
else
  token_file="${ARASUL_VAR:-$ARASUL_DIR/var}/run/supervisor.token"
  [[ -r "$token_file" ]] || die "cannot read $token_file: is the native platform running?"
  log "restarting the self-healing-agent through the supervisor (restart $((restarts + 1)) of $MAX_RESTARTS in 24 h)"
  # The token goes through a header file, never the command line (visible in ps).
  curl -fsS --max-time 60 -X POST -H @<(printf 'Authorization: Bearer %s\n' "$(cat "$token_file")") \
    "http://127.0.0.1:${SUPERVISOR_PORT:-8099}/services/self-healing-agent/restart" >/dev/null \
    || die "the supervisor refused or did not answer"
fi
log "done"

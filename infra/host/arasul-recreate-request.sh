#!/usr/bin/env bash
# Arasul recreate request (host side). Started by arasul-recreate-request.path when the self-healing-agent,
# whose socket proxy may restart containers but never create them, asks for a service's container to be
# recreated from its compose definition by writing /var/lib/arasul/recreate-request/recreate-<service>.request
# (a bind mount in docker-compose.yml; the agent's SELF_HEALING_RECREATE_REQUEST_DIR). The agent already
# decided (third rung of its ladder, within its budget). This side makes sure a request can only ever do
# that one thing:
#   1. each request is removed FIRST, so a failing recreate can never loop;
#   2. it must be recent (ARASUL_RECREATE_REQUEST_MAX_AGE_S, default 300 s) and well-formed, and name a
#      service of the compose project (checked against `docker compose config --services`);
#   3. the service name in the file must match the file's name; symlinks and other odd files are dropped;
#   4. the command is fixed: `docker compose … up -d --no-deps --force-recreate <service>` (no shell).
#
# Install (as root, from the checkout):
#   install -m 0644 infra/host/arasul-recreate-request.conf /etc/tmpfiles.d/ && systemd-tmpfiles --create arasul-recreate-request.conf
#   install -m 0644 infra/host/arasul-recreate-request.path infra/host/arasul-recreate-request.service /etc/systemd/system/
#   systemctl daemon-reload && systemctl enable --now arasul-recreate-request.path
#
# Settings (environment, e.g. in /etc/default/arasul-recreate-request):
#   ARASUL_RECREATE_REQUEST_DIR       the request directory              (default /var/lib/arasul/recreate-request)
#   ARASUL_RECREATE_REQUEST_MAX_AGE_S a request older than this is dropped                           (default 300)
#   ARASUL_ROOT                       the checkout with docker-compose.yml                   (default /opt/arasul)
#   ARASUL_COMPOSE_FILES              compose files, space-separated, relative to ARASUL_ROOT
#                                     (default: docker-compose.yml, plus docker-compose.jetson.yml when present)
#   ARASUL_COMPOSE_PROJECT            the project name                                        (default arasul)
#   ARASUL_DOCKER                     the docker CLI                                           (default docker)
set -euo pipefail
# shellcheck source=arasul-host-request.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/arasul-host-request.sh"

DIR="${ARASUL_RECREATE_REQUEST_DIR:-/var/lib/arasul/recreate-request}"
MAX_AGE="${ARASUL_RECREATE_REQUEST_MAX_AGE_S:-300}"
ROOT="${ARASUL_ROOT:-/opt/arasul}"
PROJECT="${ARASUL_COMPOSE_PROJECT:-arasul}"
DOCKER="${ARASUL_DOCKER:-docker}"

log() { printf 'arasul-recreate-request: %s\n' "$*"; }
die() { log "$*" >&2; exit 1; }

[[ "$MAX_AGE" =~ ^[0-9]+$ && "$MAX_AGE" -ge 10 ]] || die "ARASUL_RECREATE_REQUEST_MAX_AGE_S must be a whole number >= 10"
[[ "$PROJECT" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "ARASUL_COMPOSE_PROJECT is not a compose project name"
[[ -d "$DIR" ]] || { log "no request directory $DIR"; exit 0; }

if [[ -n "${ARASUL_COMPOSE_FILES:-}" ]]; then
  read -r -a files <<<"$ARASUL_COMPOSE_FILES"
else
  files=(docker-compose.yml)
  [[ -f "$ROOT/docker-compose.jetson.yml" ]] && files+=(docker-compose.jetson.yml)
fi
compose=("$DOCKER" compose --project-name "$PROJECT" --project-directory "$ROOT")
for f in "${files[@]}"; do compose+=(-f "$ROOT/$f"); done

status=0
shopt -s nullglob
for file in "$DIR"/recreate-*.request; do
  name="$(basename -- "$file")"
  # A symlink or anything but a plain file is not a request (the directory is writable from the container).
  if [[ -L "$file" || ! -f "$file" ]]; then
    rm -rf -- "$file"
    log "$name is not a plain file; removed" >&2
    status=1
    continue
  fi
  # 1. Take the request and remove it before anything else.
  take_request "$file"
  requested_at="$(request_field requested_at)"
  service="$(request_field service)"
  reason="$(request_reason)"

  # 2./3. Recent, well-formed, and the service the file is named after.
  now="$(date +%s)"
  if ! [[ "$requested_at" =~ ^[0-9]{9,11}$ ]]; then
    log "$name has no valid requested_at; dropped" >&2; status=1; continue
  fi
  age=$((now - requested_at))
  if ((age < -60 || age > MAX_AGE)); then
    log "$name is $age s old (limit $MAX_AGE s); dropped" >&2; status=1; continue
  fi
  if ! [[ "$service" =~ ^[a-z0-9][a-z0-9_-]{0,62}$ && "$name" == "recreate-$service.request" ]]; then
    log "$name names no valid service; dropped" >&2; status=1; continue
  fi
  # (grep reads all of it: with -q it could stop early and fail the pipeline under pipefail)
  if ! "${compose[@]}" config --services | grep -xF -- "$service" >/dev/null; then
    log "$service is not a service of the compose project $PROJECT; dropped" >&2; status=1; continue
  fi

  # 4. The one thing a request can do.
  log "recreating $service as the self-healing-agent asked ${age} s ago: ${reason:-no reason given}"
  if ! "${compose[@]}" up -d --no-deps --force-recreate -- "$service"; then
    log "recreating $service failed" >&2
    status=1
  fi
done
exit "$status"

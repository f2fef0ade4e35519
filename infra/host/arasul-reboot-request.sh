#!/usr/bin/env bash
# Arasul reboot request (host side). Started by arasul-reboot-request.path when the self-healing-agent,
# running in a container where `systemctl reboot` cannot work, asks for a host reboot by writing
# /var/lib/arasul/reboot-request/reboot-request (a bind mount in docker-compose.yml; the agent's
# SELF_HEALING_REBOOT_REQUEST_PATH). The agent already decided: reboot enabled, at most one an hour, no update
# running, state saved. This side only makes sure that an old or repeated request can never loop the box:
#   1. the request is removed FIRST (before anything else), so after the reboot there is nothing to act on;
#   2. it must be recent (ARASUL_REBOOT_REQUEST_MAX_AGE_S, default 300 s) and well-formed;
#   3. at most one reboot per ARASUL_REBOOT_MIN_INTERVAL_S (default 3600 s), remembered in the state
#      directory, whatever the agent asks.
#
# Install (as root, from the checkout):
#   install -m 0644 infra/host/arasul-reboot-request.conf /etc/tmpfiles.d/ && systemd-tmpfiles --create arasul-reboot-request.conf
#   install -m 0644 infra/host/arasul-reboot-request.path infra/host/arasul-reboot-request.service /etc/systemd/system/
#   systemctl daemon-reload && systemctl enable --now arasul-reboot-request.path
#
# Settings (environment, e.g. in /etc/default/arasul-reboot-request):
#   ARASUL_REBOOT_REQUEST_FILE      the request file       (default /var/lib/arasul/reboot-request/reboot-request)
#   ARASUL_REBOOT_REQUEST_MAX_AGE_S a request older than this is dropped                        (default 300)
#   ARASUL_REBOOT_MIN_INTERVAL_S    at most one reboot in this long                             (default 3600)
#   ARASUL_REBOOT_STATE             state directory                 (default /var/lib/arasul-reboot-request)
#   ARASUL_REBOOT_COMMAND           the reboot, split on spaces, no shell                (default systemctl reboot)
set -euo pipefail
# shellcheck source=arasul-host-request.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/arasul-host-request.sh"

FILE="${ARASUL_REBOOT_REQUEST_FILE:-/var/lib/arasul/reboot-request/reboot-request}"
MAX_AGE="${ARASUL_REBOOT_REQUEST_MAX_AGE_S:-300}"
MIN_INTERVAL="${ARASUL_REBOOT_MIN_INTERVAL_S:-3600}"
STATE="${ARASUL_REBOOT_STATE:-/var/lib/arasul-reboot-request}"
read -r -a COMMAND <<<"${ARASUL_REBOOT_COMMAND:-systemctl reboot}"

log() { printf 'arasul-reboot-request: %s\n' "$*"; }
die() { log "$*" >&2; exit 1; }

[[ "$MAX_AGE" =~ ^[0-9]+$ && "$MAX_AGE" -ge 10 ]] || die "ARASUL_REBOOT_REQUEST_MAX_AGE_S must be a whole number >= 10"
[[ "$MIN_INTERVAL" =~ ^[0-9]+$ ]] || die "ARASUL_REBOOT_MIN_INTERVAL_S must be a whole number"
((${#COMMAND[@]} > 0)) || die "ARASUL_REBOOT_COMMAND is empty"

mkdir -p "$STATE"
exec 9>"$STATE/lock"
flock -n 9 || { log "another run is in progress"; exit 0; }

# A symlink or anything but a plain file is not a request (the directory is writable from the container).
if [[ -L "$FILE" || ( -e "$FILE" && ! -f "$FILE" ) ]]; then
  rm -rf -- "$FILE"
  die "$FILE is not a plain file; removed, not rebooting"
fi
[[ -f "$FILE" ]] || { log "no request"; exit 0; }

# 1. Take the request and remove it before anything else: no reboot loop, whatever follows.
take_request "$FILE"
requested_at="$(request_field requested_at)"
reason="$(request_reason)"

# 2. Recent and well-formed.
now="$(date +%s)"
[[ "$requested_at" =~ ^[0-9]{9,11}$ ]] || die "the request has no valid requested_at; not rebooting"
age=$((now - requested_at))
((age >= -60)) || die "the request is from the future ($((-age)) s); not rebooting"
((age <= MAX_AGE)) || die "the request is $age s old (limit $MAX_AGE s); not rebooting"

# 3. At most one reboot per interval from this unit.
if [[ -f "$STATE/last-reboot" ]]; then
  last="$(head -c 32 "$STATE/last-reboot")"
  if [[ "$last" =~ ^[0-9]+$ ]] && ((now - last < MIN_INTERVAL)); then
    die "the last reboot through a request was $((now - last)) s ago (at most one in $MIN_INTERVAL s); not rebooting"
  fi
fi

echo "$now" >"$STATE/last-reboot"
log "rebooting the host as the self-healing-agent asked ${age} s ago: ${reason:-no reason given}"
"${COMMAND[@]}" || die "the reboot command failed: ${COMMAND[*]}"

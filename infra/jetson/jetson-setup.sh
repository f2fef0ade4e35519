#!/usr/bin/env bash
# One-time (and repeatable) preparation of an NVIDIA Jetson AGX Orin for the Arasul appliance:
#
#   1. power mode MAXN (nvpmodel -m 0), kept across reboots by nvpmodel itself
#   2. maximum clocks now (jetson_clocks) and after every boot (a small systemd unit)
#   3. the NVIDIA container runtime registered with Docker (needed by docker-compose.jetson.yml)
#   4. the GPU load file this JetPack exposes (JETSON_GPU_DEVICE for .env)
#
#   sudo infra/jetson/jetson-setup.sh            apply what is missing, print every step
#   infra/jetson/jetson-setup.sh --check         only report; changes nothing, needs no root
#
# Idempotent: a step that is already in place is reported and skipped. Exits non-zero with a
# one-line reason when a step cannot be done.
set -euo pipefail

CHECK_ONLY=0
case "${1:-}" in
  --check) CHECK_ONLY=1 ;;
  "") ;;
  -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "jetson-setup: unknown option $1 (use --check or nothing)" >&2; exit 2 ;;
esac

CLOCKS_UNIT=/etc/systemd/system/arasul-jetson-clocks.service
PROBLEMS=0

say()  { printf '\033[1m==>\033[0m %s\n' "$*"; }
ok()   { printf '    ok: %s\n' "$*"; }
todo() { printf '    needed: %s\n' "$*"; PROBLEMS=$((PROBLEMS + 1)); }
die()  { printf 'jetson-setup: %s\n' "$*" >&2; exit 1; }
run()  { printf '    running: %s\n' "$*"; "$@"; }

# ------------------------------------------------------------------ guards
model="$(tr -d '\0' 2>/dev/null </proc/device-tree/model || true)"
if [[ ! -f /etc/nv_tegra_release && "$model" != *Jetson* && "$model" != *Orin* ]]; then
  die "this is not an NVIDIA Jetson (no /etc/nv_tegra_release, device-tree model '${model:-unknown}')"
fi
say "Jetson: ${model:-unknown model}; $(head -n1 /etc/nv_tegra_release 2>/dev/null | sed 's/^# *//' || echo 'L4T release unknown')"
if [[ $CHECK_ONLY == 0 && "$(id -u)" != 0 ]]; then
  die "applying changes needs root: sudo $0 (or $0 --check to only look)"
fi

# ------------------------------------------------------------------ 1. power mode MAXN
say "power mode"
if ! command -v nvpmodel >/dev/null; then
  todo "nvpmodel is not installed (it comes with JetPack: apt-get install nvidia-l4t-nvpmodel)"
else
  current="$(nvpmodel -q 2>/dev/null | sed -n 's/^NV Power Mode: *//p' | head -n1)"
  mode_id="$(nvpmodel -q 2>/dev/null | tail -n1 | tr -dc '0-9')"
  if [[ "$mode_id" == 0 ]]; then
    ok "already mode 0 (${current:-MAXN})"
  elif [[ $CHECK_ONLY == 1 ]]; then
    todo "power mode is ${current:-unknown} (id ${mode_id:-?}); would run: nvpmodel -m 0"
  else
    # nvpmodel asks whether to reboot when a mode change needs one: answer no, and say so instead.
    run nvpmodel -m 0 <<<"NO" || true
    mode_id="$(nvpmodel -q 2>/dev/null | tail -n1 | tr -dc '0-9')"
    if [[ "$mode_id" == 0 ]]; then
      ok "mode 0 set"
    else
      printf '    note: mode 0 is pending a reboot (or nvpmodel failed: see its output above)\n'
    fi
  fi
fi

# ------------------------------------------------------------------ 2. maximum clocks, now and at boot
say "clocks"
if ! command -v jetson_clocks >/dev/null; then
  todo "jetson_clocks is not installed (it comes with JetPack: apt-get install nvidia-l4t-tools)"
else
  jetson_clocks_bin="$(command -v jetson_clocks)"
  unit_content="[Unit]
Description=Arasul: maximum Jetson clocks (jetson_clocks) after boot
After=nvpmodel.service
Wants=nvpmodel.service

[Service]
Type=oneshot
ExecStart=$jetson_clocks_bin
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target"
  if [[ -f "$CLOCKS_UNIT" && "$(cat "$CLOCKS_UNIT")" == "$unit_content" ]] \
    && systemctl is-enabled --quiet arasul-jetson-clocks.service 2>/dev/null; then
    ok "$CLOCKS_UNIT installed and enabled"
  elif [[ $CHECK_ONLY == 1 ]]; then
    todo "would install and enable $CLOCKS_UNIT (runs jetson_clocks at every boot)"
  else
    printf '    writing %s\n' "$CLOCKS_UNIT"
    printf '%s\n' "$unit_content" >"$CLOCKS_UNIT"
    run systemctl daemon-reload
    run systemctl enable arasul-jetson-clocks.service
  fi
  if [[ $CHECK_ONLY == 0 ]]; then
    run "$jetson_clocks_bin" || die "jetson_clocks failed"
    ok "clocks at maximum"
  fi
fi

# ------------------------------------------------------------------ 3. NVIDIA container runtime
say "NVIDIA container runtime"
command -v docker >/dev/null || die "docker is not installed (install docker-ce and the compose plugin first)"
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (systemctl status docker)"
if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"nvidia"'; then
  ok "docker knows the nvidia runtime"
elif ! command -v nvidia-ctk >/dev/null && ! command -v nvidia-container-runtime >/dev/null; then
  todo "nvidia-container-toolkit is missing: apt-get install nvidia-container-toolkit (part of nvidia-jetpack), then run this again"
elif [[ $CHECK_ONLY == 1 ]]; then
  todo "would run: nvidia-ctk runtime configure --runtime=docker && systemctl restart docker"
else
  command -v nvidia-ctk >/dev/null || die "nvidia-ctk is missing; cannot register the runtime (apt-get install nvidia-container-toolkit)"
  run nvidia-ctk runtime configure --runtime=docker
  run systemctl restart docker
  docker info --format '{{json .Runtimes}}' | grep -q '"nvidia"' || die "docker still does not list the nvidia runtime"
  ok "nvidia runtime registered"
fi
if docker compose version >/dev/null 2>&1; then
  ok "$(docker compose version)"
else
  todo "the docker compose plugin is missing (apt-get install docker-compose-plugin)"
fi

# ------------------------------------------------------------------ 4. GPU load file for metrics-collector
say "GPU load file"
gpu_device=""
for candidate in 17000000.ga10b bus@0/17000000.gpu; do
  if [[ -r "/sys/devices/platform/$candidate/load" ]]; then gpu_device="$candidate"; break; fi
done
if [[ -z "$gpu_device" ]]; then # another module or release: look for the GPU node by name
  for load in /sys/devices/platform/*/load /sys/devices/platform/*/*/load; do
    case "$load" in *gpu*/load | *ga10b*/load | *gv11b*/load)
      gpu_device="${load#/sys/devices/platform/}"; gpu_device="${gpu_device%/load}"; break ;;
    esac
  done
fi
if [[ -z "$gpu_device" ]]; then
  printf '    warning: no GPU load file under /sys/devices/platform; metrics-collector will report the GPU load as unknown\n'
elif [[ "$gpu_device" == 17000000.ga10b ]]; then
  ok "/sys/devices/platform/$gpu_device/load (the compose default)"
else
  ok "/sys/devices/platform/$gpu_device/load: put JETSON_GPU_DEVICE=$gpu_device in .env"
fi

if ((PROBLEMS > 0)); then
  say "$PROBLEMS item(s) need attention (see above)"
  exit 1
fi
say "this Jetson is ready: docker compose -f docker-compose.yml -f docker-compose.jetson.yml up -d --wait"

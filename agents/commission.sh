#!/bin/sh
# Edgeward commissioning probe, streamed as `sh -s -- MODEL_DIR [TEST_IMAGE [COMMAND...]]`: the facts a new GPU
# server is judged by, as key=value lines. Judging them against the hardware profile is the
# console's job; this script only looks. Every command's failure is reported, never hidden.
#   gpu=IDX|UUID|SERIAL|NAME|MEM_MIB|DRIVER|PCIE_GEN_MAX|PCIE_WIDTH_MAX|ECC_MODE|PERSISTENCE|TEMP_C|POWER_W|ECC_UNCORR
#   cuda=VERSION | gpu_error=MESSAGE
#   runtime=docker|podman|none, gpu_container=ok|fail: MESSAGE|skipped
#   disk_free_kb=N disk_mounted=yes|no mem_total_kb=N clock_ms=EPOCH_MS hostname=NAME
set -u
MODEL_DIR=${1:-/}
TEST_IMAGE=${2:-}
[ $# -ge 2 ] && shift 2 || shift $#
# What runs in the test container (default: nvidia-smi -L); it must show a GPU.
[ $# -eq 0 ] && set -- nvidia-smi -L
FIELDS=index,uuid,serial,name,memory.total,driver_version,pcie.link.gen.max,pcie.link.width.max,ecc.mode.current,persistence_mode,temperature.gpu,power.draw,ecc.errors.uncorrected.volatile.total

echo "hostname=$(hostname 2>/dev/null)"
# The clock first: the console timestamps its request and the answer to bound the skew.
echo "clock_ms=$(date +%s%3N)"

if command -v nvidia-smi >/dev/null 2>&1; then
  out=$(nvidia-smi --query-gpu=$FIELDS --format=csv,noheader,nounits 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then
    printf '%s\n' "$out" | sed 's/, /|/g; s/^/gpu=/'
  else
    echo "gpu_error=$(printf '%s' "$out" | head -n 1)"
  fi
  cuda=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n 1)
  [ -n "$cuda" ] && echo "cuda=$cuda"
else
  echo "gpu_error=nvidia-smi not found on PATH (no NVIDIA driver installed?)"
fi

if command -v docker >/dev/null 2>&1 && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then rt=docker
elif command -v podman >/dev/null 2>&1; then rt=podman
else rt=none
fi
echo "runtime=$rt"
if [ "$rt" = none ]; then
  echo "gpu_container=fail: no container runtime (docker or podman)"
elif [ -z "$TEST_IMAGE" ]; then
  echo "gpu_container=skipped"
else
  if [ "$rt" = docker ]; then flags='--gpus all'; else flags='--device nvidia.com/gpu=all'; fi
  # shellcheck disable=SC2086 # flags are two fixed words
  seen=$($rt run --rm $flags "$TEST_IMAGE" "$@" 2>&1)
  case "$seen" in
    *nvidia0*|*'GPU 0:'*) echo "gpu_container=ok" ;;
    *) echo "gpu_container=fail: $(printf '%s' "$seen" | tail -n 1)" ;;
  esac
fi

if [ -d "$MODEL_DIR" ]; then
  echo "disk_free_kb=$(df -Pk "$MODEL_DIR" 2>/dev/null | awk 'NR==2 {print $4}')"
  # Mounted: its own filesystem, not a folder on the root disk.
  if [ "$(df -P "$MODEL_DIR" | awk 'NR==2 {print $6}')" = "$MODEL_DIR" ]; then echo disk_mounted=yes; else echo disk_mounted=no; fi
else
  echo "disk_free_kb=0"
  echo "disk_mounted=missing"
fi
echo "mem_total_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
exit 0

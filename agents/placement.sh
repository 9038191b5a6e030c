#!/bin/sh
# Edgeward placement probe, streamed as `sh -s`: what a node can run, as key=value lines.
#   runtime=docker|podman|none
#   gpu_support=nvidia-runtime|cdi|none     how containers get GPUs on this node
#   arch=amd64|arm64|...                    the machine, in OCI platform words
#   gpu=INDEX,MEMORY_TOTAL_MIB,MEMORY_USED_MIB   one per GPU (nvidia-smi)
#   gpu_error=MESSAGE                       when nvidia-smi is missing or failing
#   image=REF ARCH                          IMAGE (argument 1) pinned: repo@sha256:… (or its id), when present locally
#   registry=HTTP_CODE                      what REGISTRY_URL (argument 2, its /v2/) answered; 000 when nothing did
set -u
IMAGE=${1:-}
REGISTRY_URL=${2:-}

detect_runtime
echo "runtime=$rt"

support=none
if [ "$rt" = docker ]; then
  # --gpus needs the NVIDIA container toolkit: its hook or runtime on PATH, or a CDI spec.
  if command -v nvidia-container-runtime-hook >/dev/null 2>&1 || command -v nvidia-container-runtime >/dev/null 2>&1; then
    support=nvidia-runtime
  fi
fi
if [ "$support" = none ]; then
  for f in /etc/cdi/*.yaml /etc/cdi/*.json /var/run/cdi/*.yaml /var/run/cdi/*.json; do
    [ -f "$f" ] && grep -q 'nvidia.com/gpu' "$f" 2>/dev/null && { support=cdi; break; }
  done
fi
echo "gpu_support=$support"

case "$(uname -m)" in
  x86_64) echo arch=amd64 ;;
  aarch64|arm64) echo arch=arm64 ;;
  *) echo "arch=$(uname -m)" ;;
esac

if command -v nvidia-smi >/dev/null 2>&1; then
  out=$(nvidia-smi --query-gpu=index,memory.total,memory.used --format=csv,noheader,nounits 2>&1)
  case "$out" in
    [0-9]*) printf '%s\n' "$out" | while IFS= read -r l; do echo "gpu=$(printf '%s' "$l" | tr -d ' ')"; done ;;
    *) echo "gpu_error=$(printf '%s' "$out" | head -n 1)" ;;
  esac
else
  echo "gpu_error=nvidia-smi not found"
fi

if [ -n "$IMAGE" ] && [ "$rt" != none ]; then
  img=$($rt image inspect --format '{{if .RepoDigests}}{{index .RepoDigests 0}}{{else}}{{.Id}}{{end}} {{.Architecture}}' "$IMAGE" 2>/dev/null | head -n 1)
  [ -n "$img" ] && echo "image=$img"
fi
if [ -n "$REGISTRY_URL" ]; then
  # Reachability only (any HTTP answer, 401 included): the pull itself checks the certificate.
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -sk -o /dev/null --connect-timeout 5 --max-time 10 -w '%{http_code}' "$REGISTRY_URL" 2>/dev/null)
    echo "registry=${code:-000}"
  else
    echo "registry=unknown"
  fi
fi
exit 0

#!/bin/sh
# Edgeward commissioning probe, streamed as `sh -s -- SECTION ARGS...`: the facts a new GPU server is
# judged by, as key=value lines, one section per run so the console can show progress, stop between
# sections and resume a half-finished commissioning. Judging the facts against the hardware profile
# is the console's job; this script only looks. Every command's failure is reported, never hidden.
#
#   gpu                                gpu=IDX|UUID|SERIAL|NAME|MEM_MIB|DRIVER|PCIE_GEN_MAX|PCIE_WIDTH_MAX|
#                                          ECC_MODE|PERSISTENCE|TEMP_C|POWER_W|ECC_UNCORR
#                                      cuda=VERSION | gpu_error=MESSAGE, hostname=NAME
#   runtime [IMAGE [COMMAND...]]       runtime=docker|podman|none, gpu_container=ok|fail: MESSAGE|skipped
#   load SECONDS [IMAGE [COMMAND...]]  load_container=started|none|fail: MESSAGE, then each second
#                                      load=IDX|TEMP_C|UTIL_PCT|POWER_W|THROTTLE_BITMASK, load_end=ok
#   host MODEL_DIR                     clock_ms=EPOCH_MS clock_sync=yes|no|unknown disk_free_kb=N
#                                      disk_mounted=yes|no|missing mem_total_kb=N
#   dns NAME...                        dns=NAME|ok|ADDRESSES or dns=NAME|fail|MESSAGE
#   hub URL                            hub=HTTP_CODE|CONNECT_S|ERROR (three tries)
#   dicom HOST PORT CALLED CALLING     dicom=ok|… or dicom=fail|LAST LINE OF echoscu
#   dicomweb BASE STUDY SERIES SOP DUMP  dicomweb_sent=STUDY|SERIES|SOP, then for stow, qido, wado:
#                                      dicomweb_X=HTTP_CODE|CONTENT_TYPE|CURL_ERROR dicomweb_X_b64=BODY
#                                      (≤ 16 KiB), or dicomweb_error=MESSAGE (no instance made)
#   fhir BASE_URL [smart]              fhir_http=CODE fhir_error=MESSAGE fhir_bytes=N fhir_body_b64=BASE64 (≤ 64 KiB);
#                                      with smart, the same as smart_* for .well-known/smart-configuration (≤ 16 KiB)
set -u
SECTION=${1:-}
[ $# -gt 0 ] && shift
LOAD_NAME=edgeward-commission-load
gpu_flags() { if [ "$rt" = docker ]; then echo '--gpus all'; else echo '--device nvidia.com/gpu=all'; fi; }
# One line of a command's output, safe for a key=value line.
first_line() { printf '%s' "$1" | tr -d '\r' | sed -n '/./{p;q;}' | cut -c1-400; }
last_line() { printf '%s' "$1" | tr -d '\r' | sed '/^$/d' | tail -n 1 | cut -c1-400; }

case "$SECTION" in
gpu)
  echo "hostname=$(hostname 2>/dev/null)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    FIELDS=index,uuid,serial,name,memory.total,driver_version,pcie.link.gen.max,pcie.link.width.max,ecc.mode.current,persistence_mode,temperature.gpu,power.draw,ecc.errors.uncorrected.volatile.total
    out=$(nvidia-smi --query-gpu=$FIELDS --format=csv,noheader,nounits 2>&1)
    if [ $? -eq 0 ]; then
      printf '%s\n' "$out" | sed 's/, /|/g; s/^/gpu=/'
    else
      echo "gpu_error=$(first_line "$out")"
    fi
    cuda=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n 1)
    [ -n "$cuda" ] && echo "cuda=$cuda"
  else
    echo "gpu_error=nvidia-smi not found on PATH (no NVIDIA driver installed?)"
  fi
  ;;

runtime)
  TEST_IMAGE=${1:-}
  [ $# -gt 0 ] && shift
  [ $# -eq 0 ] && set -- nvidia-smi -L
  detect_runtime
  echo "runtime=$rt"
  if [ "$rt" = none ]; then
    echo "gpu_container=fail: no container runtime answers (docker daemon or podman)"
  elif [ -z "$TEST_IMAGE" ]; then
    echo "gpu_container=skipped"
  else
    # shellcheck disable=SC2046 # two fixed words
    seen=$($rt run --rm $(gpu_flags) "$TEST_IMAGE" "$@" 2>&1)
    case "$seen" in
      *nvidia0*|*'GPU 0:'*) echo "gpu_container=ok" ;;
      *) echo "gpu_container=fail: $(last_line "$seen")" ;;
    esac
  fi
  ;;

load)
  SECONDS_=${1:-30}
  [ $# -gt 0 ] && shift
  IMAGE=${1:-}
  [ $# -gt 0 ] && shift
  detect_runtime
  if [ -n "$IMAGE" ] && [ "$rt" != none ]; then
    # A leftover of a stopped run first; the console also removes it when it cancels this section.
    $rt kill "$LOAD_NAME" >/dev/null 2>&1
    $rt rm -f "$LOAD_NAME" >/dev/null 2>&1
    # shellcheck disable=SC2046 # two fixed words
    if started=$($rt run -d --rm --name "$LOAD_NAME" $(gpu_flags) "$IMAGE" "$@" 2>&1); then
      echo "load_container=started"
    else
      echo "load_container=fail: $(last_line "$started")"
    fi
  elif [ -n "$IMAGE" ]; then
    echo "load_container=fail: no container runtime answers"
  else
    echo "load_container=none"
  fi
  # nvidia-smi's own loop: one process sampling each second for the whole load, not one per sample.
  out=$(timeout "$SECONDS_" nvidia-smi --query-gpu=index,temperature.gpu,utilization.gpu,power.draw,clocks_throttle_reasons.active --format=csv,noheader,nounits -l 1 2>&1)
  printf '%s\n' "$out" | sed -n 's/, /|/g; /^[0-9][0-9]*|/{s/^/load=/;p;}'
  printf '%s\n' "$out" | grep -v '^[0-9][0-9]*, ' | sed -n '/./{s/^/load_error=/;p;q;}' | cut -c1-400
  # Killed, not stopped: a load program need not handle SIGTERM, and a stop would wait 10 s for it.
  if [ -n "$IMAGE" ] && [ "$rt" != none ]; then
    $rt kill "$LOAD_NAME" >/dev/null 2>&1
    $rt rm -f "$LOAD_NAME" >/dev/null 2>&1
  fi
  echo "load_end=ok"
  ;;

host)
  MODEL_DIR=${1:-/}
  # The clock first: the console timestamps its request and the answer to bound the skew.
  echo "clock_ms=$(date +%s%3N)"
  sync=unknown
  if command -v timedatectl >/dev/null 2>&1; then
    case "$(timedatectl show -p NTPSynchronized --value 2>/dev/null)" in yes) sync=yes ;; no) sync=no ;; esac
  fi
  if [ "$sync" = unknown ] && command -v chronyc >/dev/null 2>&1; then
    case "$(chronyc tracking 2>/dev/null | sed -n 's/^Leap status *: *//p')" in Normal) sync=yes ;; Not\ synchronised) sync=no ;; esac
  fi
  echo "clock_sync=$sync"
  if [ -d "$MODEL_DIR" ]; then
    echo "disk_free_kb=$(df -Pk "$MODEL_DIR" 2>/dev/null | awk 'NR==2 {print $4}')"
    # Mounted: its own filesystem, not a folder on the root disk.
    if [ "$(df -P "$MODEL_DIR" | awk 'NR==2 {print $6}')" = "$MODEL_DIR" ]; then echo disk_mounted=yes; else echo disk_mounted=no; fi
  else
    echo "disk_free_kb=0"
    echo "disk_mounted=missing"
  fi
  echo "mem_total_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
  ;;

dns)
  for name in "$@"; do
    if out=$(timeout 5 getent ahosts "$name" 2>&1); then
      echo "dns=$name|ok|$(printf '%s\n' "$out" | awk '{print $1}' | sort -u | tr '\n' ' ' | cut -c1-300)"
    else
      echo "dns=$name|fail|$( [ -n "$out" ] && first_line "$out" || echo 'name does not resolve')"
    fi
  done
  ;;

hub)
  n=0
  while [ "$n" -lt 3 ]; do
    out=$(curl -sS -o /dev/null --connect-timeout 5 --max-time 10 -w '\n%{http_code}|%{time_connect}' "$1" 2>&1)
    err=$(printf '%s' "$out" | sed -n 's/^curl: //p' | head -n 1 | cut -c1-300)
    echo "hub=$(printf '%s' "$out" | tail -n 1)|$err"
    n=$((n + 1))
  done
  ;;

dicom)
  if ! command -v echoscu >/dev/null 2>&1; then
    echo "dicom=fail|echoscu is not installed on the node (Debian/Ubuntu package dcmtk)"
  else
    out=$(echoscu -to 10 -ta 10 -td 10 -aet "$4" -aec "$3" "$1" "$2" 2>&1)
    if [ $? -eq 0 ]; then echo "dicom=ok|Received Echo Response (Success)"
    else echo "dicom=fail|$(printf '%s\n' "$out" | sed -n 's/^F: //p' | tr '\n' ' ' | cut -c1-400)"
    fi
  fi
  ;;

dicomweb)
  # STOW-RS the synthetic instance (DUMP, dcmtk's text form), then QIDO-RS its study and WADO-RS it.
  base=${1%/} study=$2 series=$3 sop=$4 dump=$5
  echo "dicomweb_sent=$study|$series|$sop"
  command -v dump2dcm >/dev/null 2>&1 || { echo "dicomweb_error=dump2dcm is not installed on the node (Debian/Ubuntu package dcmtk)"; exit 0; }
  d=$(mktemp -d) || { echo "dicomweb_error=cannot make a temporary directory"; exit 0; }
  trap 'rm -rf "$d"' EXIT
  printf '%s' "$dump" > "$d/i.dump"
  if ! dump2dcm --write-xfer-little "$d/i.dump" "$d/i.dcm" > "$d/gen.log" 2>&1; then
    echo "dicomweb_error=dump2dcm could not make the instance: $(first_line "$(cat "$d/gen.log")")"; exit 0
  fi
  b="edgeward-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  { printf -- '--%s\r\nContent-Type: application/dicom\r\n\r\n' "$b"; cat "$d/i.dcm"; printf '\r\n--%s--\r\n' "$b"; } > "$d/stow"
  web() {
    name=$1; shift
    rm -f "$d/body"
    out=$(curl -sS --connect-timeout 5 --max-time 20 -o "$d/body" -w '%{http_code}|%{content_type}' "$@" 2>"$d/err")
    echo "dicomweb_$name=$out|$(sed -n 's/^curl: //p' "$d/err" | head -n 1 | cut -c1-300)"
    echo "dicomweb_${name}_b64=$([ -f "$d/body" ] && head -c 16384 "$d/body" | base64 | tr -d '\n')"
  }
  web stow -H "Content-Type: multipart/related; type=\"application/dicom\"; boundary=$b" -H 'Accept: application/dicom+json' --data-binary @"$d/stow" "$base/studies"
  web qido -H 'Accept: application/dicom+json' "$base/studies?StudyInstanceUID=$study"
  web wado -H 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*' "$base/studies/$study/series/$series/instances/$sop"
  ;;

fhir)
  # NAME URL ACCEPT LIMIT: NAME_http, NAME_error, NAME_bytes (the whole body) and up to LIMIT bytes of it.
  get() {
    d=$(mktemp) || { echo "$1_error=cannot make a temporary file"; return; }
    code=$(curl -sS --connect-timeout 5 --max-time 15 -H "Accept: $3" -o "$d" -w '%{http_code}' "$2" 2>"$d.err")
    echo "$1_http=$code"
    sed -n "s/^curl: /$1_error=/p" "$d.err" | head -n 1 | cut -c1-400
    echo "$1_bytes=$(wc -c < "$d" | tr -d ' ')"
    echo "$1_body_b64=$(head -c "$4" "$d" | base64 | tr -d '\n')"
    rm -f "$d" "$d.err"
  }
  get fhir "${1%/}/metadata" application/fhir+json 65536
  [ "${2:-}" = smart ] && get smart "${1%/}/.well-known/smart-configuration" application/json 16384
  ;;

*)
  echo "error=unknown section '$SECTION'"
  exit 2
  ;;
esac
exit 0

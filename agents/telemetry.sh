#!/bin/sh
# Edgeward telemetry agent. Streamed over SSH as `sh -s -- INTERVAL_MS [MODEL_DIR]`: nothing is
# installed on the node. Prints one JSON object per line:
#   {"t":"hello",...}                       once, at start
#   {"t":"gpu","csv":"<nvidia-smi row>"}    one per GPU per interval, fields as in GPU_FIELDS
#   {"t":"gpu_state","state":...}           nvidia-smi missing, failing, or a GPU lost
#   {"t":"host",...}                        CPU load, memory, uptime, model-volume space
# GPU rows are passed through as text: parsing them (units, [N/A], …) is the console's job, so the
# agent stays small and never chokes on an unexpected value.
set -u
INTERVAL_MS=${1:-1000}
MODEL_DIR=${2:-/}
case "$INTERVAL_MS" in *[!0-9]*|'') INTERVAL_MS=1000 ;; esac
[ "$INTERVAL_MS" -lt 200 ] && INTERVAL_MS=200
INTERVAL_S=$(( (INTERVAL_MS + 999) / 1000 ))
GPU_FIELDS="index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pcie.link.gen.current,pcie.link.width.current,pstate,clocks_event_reasons.active"

# JSON string body: backslash and quote escaped, control characters dropped.
esc() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'; }

printf '{"t":"hello","agent":"telemetry","v":1,"interval_ms":%s,"host":"%s","fields":"%s"}\n' \
  "$INTERVAL_MS" "$(esc "$(hostname 2>/dev/null || echo unknown)")" "$GPU_FIELDS"

host_loop() {
  while :; do
    read -r l1 l5 l15 _ < /proc/loadavg
    mt=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)
    ma=$(sed -n 's/^MemAvailable: *\([0-9]*\).*/\1/p' /proc/meminfo)
    read -r up _ < /proc/uptime
    df_free=$(df -Pk "$MODEL_DIR" 2>/dev/null | awk 'NR==2 {print $4}')
    printf '{"t":"host","load1":%s,"load5":%s,"load15":%s,"mem_total_kb":%s,"mem_avail_kb":%s,"uptime_s":%s,"disk_free_kb":%s}\n' \
      "$l1" "$l5" "$l15" "${mt:-0}" "${ma:-0}" "${up%%.*}" "${df_free:-0}"
    sleep "$INTERVAL_S"
  done
}

gpu_loop() {
  while :; do
    if ! command -v nvidia-smi >/dev/null 2>&1; then
      printf '{"t":"gpu_state","state":"missing","message":"nvidia-smi not found on PATH"}\n'
      sleep 30
      continue
    fi
    # Older drivers refuse fields they do not know, failing the whole query: drop such fields.
    probe=$(nvidia-smi --query-gpu="$GPU_FIELDS" --format=csv,noheader,nounits 2>&1)
    bad=$(printf '%s\n' "$probe" | sed -n 's/^Field "\([^"]*\)" is not a valid field to query\.$/\1/p' | head -n 1)
    if [ -n "$bad" ]; then
      GPU_FIELDS=$(printf '%s' ",$GPU_FIELDS," | sed "s/,$bad,/,/; s/^,//; s/,\$//")
      printf '{"t":"fields","fields":"%s","dropped":"%s"}\n' "$GPU_FIELDS" "$(esc "$bad")"
      continue
    fi
    # One long-running nvidia-smi in loop mode, not one process per tick.
    nvidia-smi --query-gpu="$GPU_FIELDS" --format=csv,noheader,nounits -lms "$INTERVAL_MS" 2>&1 | while IFS= read -r line; do
      case "$line" in
        [0-9]*,*) printf '{"t":"gpu","csv":"%s"}\n' "$(esc "$line")" ;;
        *'GPU is lost'*|*'Unable to determine the device handle'*) printf '{"t":"gpu_state","state":"lost","message":"%s"}\n' "$(esc "$line")" ;;
        '') ;;
        *) printf '{"t":"gpu_state","state":"error","message":"%s"}\n' "$(esc "$line")" ;;
      esac
    done
    # nvidia-smi ended (driver failure, no devices): report, wait, try again.
    printf '{"t":"gpu_state","state":"stopped","message":"nvidia-smi exited; retrying"}\n'
    sleep 5
  done
}

host_loop &
gpu_loop

#!/bin/sh
# Edgeward telemetry agent. Streamed over SSH as
#   sh -s -- INTERVAL_MS MODEL_DIR PROBE_MS [ENDPOINT PORT MODEL INPUT]...
# nothing is installed on the node. Prints one JSON object per line:
#   {"t":"hello",...}                       once, at start
#   {"t":"gpu","csv":"<nvidia-smi row>"}    one per GPU per interval, fields as in GPU_FIELDS
#   {"t":"gpu_state","state":...}           nvidia-smi missing, failing, or a GPU lost
#   {"t":"host",...}                        CPU load, memory, uptime, model-volume space
#   {"t":"xid","line":"..."}                a new NVRM Xid line in the kernel log
#   {"t":"xid_source","available":B,...}    whether the kernel log can be read at all
#   {"t":"probe",...}                       one timed OIP ready check (+ infer) per endpoint
#   {"t":"ctr",...} … {"t":"ctr_end",...}   a snapshot of the containers Edgeward manages
# GPU rows and kernel lines are passed through as text: parsing them is the console's job, so the
# agent stays small and never chokes on an unexpected value. The console validates every argument
# (numbers, names from a strict alphabet) before it quotes them into this command line.
set -u
INTERVAL_MS=${1:-1000}
MODEL_DIR=${2:-/}
PROBE_MS=${3:-5000}
[ $# -ge 3 ] && shift 3 || shift $#
case "$INTERVAL_MS" in *[!0-9]*|'') INTERVAL_MS=1000 ;; esac
case "$PROBE_MS" in *[!0-9]*|'') PROBE_MS=5000 ;; esac
[ "$INTERVAL_MS" -lt 200 ] && INTERVAL_MS=200
INTERVAL_S=$(( (INTERVAL_MS + 999) / 1000 ))
PROBE_S=$(( (PROBE_MS + 999) / 1000 ))
GPU_FIELDS="timestamp,index,uuid,name,pci.bus_id,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit,clocks.sm,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,pcie.link.gen.current,pcie.link.width.current,pstate,clocks_event_reasons.active"
# The budget is under 0.5 % of a core at 1 Hz, and every process started costs 1–30 ms: per interval
# the agent starts none (the ticks come from one vmstat, see `every`); the kernel log is followed
# (or, with an old dmesg, read every 10th), disk space is read every 30th, the container runtime
# (the costliest: a podman call is ~25 ms of CPU) every 30th interval (the node view shows the
# snapshot's time), and curl every probe interval.
XID_EVERY=10
DF_EVERY=30
CTR_EVERY=30

# JSON string body: backslash and quote escaped, control characters dropped.
esc() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'; }
# Most lines need no escaping; skipping the three processes of esc keeps the agent under 1 % CPU.
str() {
  case "$1" in
    *[\"\\]*|*[[:cntrl:]]*) esc "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

printf '{"t":"hello","agent":"telemetry","v":2,"interval_ms":%s,"host":"%s","fields":"%s"}\n' \
  "$INTERVAL_MS" "$(esc "$(hostname 2>/dev/null || echo unknown)")" "$GPU_FIELDS"

# Xid events: only lines that appear after the session started count (a window, not a history).
xid_seen=-1
xid_check() {
  if [ "$xid_seen" -eq -1 ]; then
    # Once: can this user read the kernel log at all (kernel.dmesg_restrict)?
    if ! err=$(dmesg 2>&1 >/dev/null); then
      printf '{"t":"xid_source","available":false,"message":"%s"}\n' "$(str "${err%%
*}")"
      xid_seen=-2
      return
    fi
  fi
  [ "$xid_seen" -eq -2 ] && return
  lines=$(dmesg 2>/dev/null | grep 'NVRM: Xid')
  n=0
  if [ -n "$lines" ]; then
    while IFS= read -r _; do n=$((n + 1)); done <<XID
$lines
XID
  fi
  if [ "$xid_seen" -lt 0 ]; then
    printf '{"t":"xid_source","available":true,"baseline":%s}\n' "$n"
  elif [ "$n" -gt "$xid_seen" ]; then
    skip=$xid_seen
    while IFS= read -r l; do
      if [ "$skip" -gt 0 ]; then skip=$((skip - 1)); continue; fi
      printf '{"t":"xid","line":"%s"}\n' "$(str "$l")"
    done <<XID
$lines
XID
  fi
  # A smaller count means the kernel ring buffer wrapped: start counting from here.
  xid_seen=$n
}

# Where dmesg has --follow-new (util-linux 2.36+), one dmesg prints each kernel record as it is
# logged: an Xid arrives at once, and the whole log (~5 ms of CPU to read) is not read every 10th
# interval. The follower is restarted every 5 minutes, so one left behind by a dropped session ends
# (it writes only when the kernel logs); the poll after each catches what was logged between two
# followers, and the line printed then ends this loop once the session is gone (SIGPIPE).
# (--foreground keeps dmesg in the agent's process group, so killing the group ends it too.) A line
# logged between the first poll and the first follower's start is caught by the poll 5 minutes on.
xid_loop() {
  xid_check
  [ "$xid_seen" -lt 0 ] && return
  if dmesg --help 2>/dev/null | grep -q -- '--follow-new' && command -v timeout >/dev/null 2>&1; then
    exec 3>&1
    while :; do
      uptime_cs
      started=$now
      added=$(timeout --foreground 300 dmesg --follow-new 2>/dev/null | grep --line-buffered 'NVRM: Xid' | {
        c=0
        while IFS= read -r l; do
          printf '{"t":"xid","line":"%s"}\n' "$(str "$l")" >&3
          c=$((c + 1))
        done
        echo "$c"
      })
      xid_seen=$((xid_seen + ${added:-0}))
      xid_check
      printf '{"t":"xid_source","available":true,"follow":true}\n'
      # A follower that ended within 10 s did not follow (refused, or killed): poll instead.
      uptime_cs
      [ $((now - started)) -lt 1000 ] && break
    done
  fi
  xid_poll=$((XID_EVERY * INTERVAL_S))
  every "$xid_poll" xid_check
}

rt=""
containers() {
  # The runtime is found once: docker when its daemon answers, else podman.
  [ -n "$rt" ] || detect_runtime
  if [ "$rt" = none ]; then
    printf '{"t":"ctr_end","n":0,"runtime":"none"}\n'
    return
  fi
  ids=$($rt ps -aq --filter label=io.edgeward.deployment 2>/dev/null)
  n=0
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086 # ids are hex container ids, one word each
    $rt inspect --format '{{.Name}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.RestartCount}}|{{index .Config.Labels "io.edgeward.deployment"}}|{{index .Config.Labels "io.edgeward.revision"}}|{{.Config.Image}}' $ids 2>/dev/null |
      while IFS='|' read -r name state health restarts dep rev image; do
        case "$restarts" in *[!0-9]*|'') restarts=0 ;; esac
        printf '{"t":"ctr","name":"%s","state":"%s","health":"%s","restarts":%s,"deployment":"%s","revision":"%s","image":"%s"}\n' \
          "$(str "${name#/}")" "$(str "$state")" "$(str "$health")" "$restarts" "$(str "$dep")" "$(str "$rev")" "$(str "$image")"
      done
    n=$(printf '%s\n' "$ids" | wc -l)
  fi
  printf '{"t":"ctr_end","n":%s,"runtime":"%s"}\n' "$n" "$rt"
}

host_tick() {
  # Builtins only: /proc files read with `read`, no sed or awk per interval.
  read -r l1 l5 l15 _ < /proc/loadavg
  read -r up _ < /proc/uptime
  mt=0; ma=0
  while read -r k v _; do
    case "$k" in MemTotal:) mt=$v ;; MemAvailable:) ma=$v; break ;; esac
  done < /proc/meminfo
  if [ $((tick % DF_EVERY)) -eq 0 ]; then
    df_free=$(df -Pk "$MODEL_DIR" 2>/dev/null | { read -r _; read -r _ _ _ free _; echo "${free:-0}"; })
  fi
  printf '{"t":"host","load1":%s,"load5":%s,"load15":%s,"mem_total_kb":%s,"mem_avail_kb":%s,"uptime_s":%s,"disk_free_kb":%s}\n' \
    "$l1" "$l5" "$l15" "$mt" "$ma" "${up%%.*}" "${df_free:-0}"
  [ $((tick % CTR_EVERY)) -eq 0 ] && containers
  tick=$((tick + 1))
}

# Ticks from vmstat's clock, one process for the whole session: a `sleep` per tick (~1.6 ms of CPU
# to start) costs more than a host tick's work. vmstat dies of SIGPIPE when its loop ends.
# tick_due skips vmstat's header lines, and lines that queued while the last tick was slow (a hung
# runtime call, a probe that timed out): the loop rests at least half an interval after each tick,
# as it did with `sleep`, instead of running the queue in a burst.
tick_last=-1
uptime_cs() {
  read -r now _ < /proc/uptime
  now=$((${now%.*} * 100 + 1${now#*.} - 100))
}
tick_due() {
  case "$1" in '' | *[!0-9]*) return 1 ;; esac
  uptime_cs
  [ "$tick_last" -lt 0 ] || [ $((now - tick_last)) -ge $(($2 * 50)) ]
}
tick_done() { uptime_cs; tick_last=$now; }
# every SECONDS FUNCTION: run FUNCTION now and then every SECONDS (with `sleep` where vmstat is missing or ends).
every() {
  if command -v vmstat >/dev/null 2>&1; then
    vmstat -n "$1" 2>/dev/null | while read -r first _; do
      tick_due "$first" "$1" || continue
      "$2"
      tick_done
    done
  fi
  while :; do
    "$2"
    sleep "$1"
  done
}

host_loop() {
  tick=0
  df_free=0
  every "$INTERVAL_S" host_tick
}

# Both requests of an endpoint in one curl (its start-up is most of a probe's cost); one line each:
# "HTTP_CODE SECONDS", "000 ..." when there was no answer.
probe() {
  port=$1 model=$2 input=$3
  fmt='%{http_code} %{time_total}\n'
  if [ -n "$model" ]; then
    curl -s -o /dev/null -m 5 -w "$fmt" "http://127.0.0.1:$port/v2/health/ready" \
      --next -s -o /dev/null -m 5 -w "$fmt" -X POST -H 'Content-Type: application/json' \
      --data "{\"id\":\"ew-probe\",\"inputs\":[{\"name\":\"$input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[0,0,0,0]}]}" \
      "http://127.0.0.1:$port/v2/models/$model/infer" 2>/dev/null
  else
    curl -s -o /dev/null -m 5 -w "$fmt" "http://127.0.0.1:$port/v2/health/ready" 2>/dev/null
  fi
}

probe_all() {
  for ep in $ENDPOINTS; do
    # ep is NAME:PORT:MODEL:INPUT, each part from a strict alphabet (checked by the console).
    name=${ep%%:*}; rest=${ep#*:}; port=${rest%%:*}; rest=${rest#*:}; model=${rest%%:*}; input=${rest#*:}
    result=$(probe "$port" "$model" "$input")
    first=${result%%
*}
    rc=${first%% *}; rs=${first#* }; ic=""; is=""
    if [ -n "$model" ]; then
      second=${result#*
}
      ic=${second%% *}; is=${second#* }
    fi
    printf '{"t":"probe","ep":"%s","ready":"%s","ready_s":"%s","infer":"%s","infer_s":"%s"}\n' "$name" "${rc:-000}" "${rs:-0}" "$ic" "$is"
  done
}

probe_loop() {
  if ! command -v curl >/dev/null 2>&1; then
    printf '{"t":"probe_state","available":false,"message":"curl not found on PATH: latency probes need curl"}\n'
    return
  fi
  every "$PROBE_S" probe_all
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
        [0-9]*,*[\"\\]*|[0-9]*,*[[:cntrl:]]*) printf '{"t":"gpu","csv":"%s"}\n' "$(esc "$line")" ;;
        [0-9]*,*) printf '{"t":"gpu","csv":"%s"}\n' "$line" ;;
        *'GPU is lost'*|*'Unable to determine the device handle'*) printf '{"t":"gpu_state","state":"lost","message":"%s"}\n' "$(str "$line")" ;;
        '') ;;
        *) printf '{"t":"gpu_state","state":"error","message":"%s"}\n' "$(str "$line")" ;;
      esac
    done
    # nvidia-smi ended (driver failure, no devices): report, wait, try again.
    printf '{"t":"gpu_state","state":"stopped","message":"nvidia-smi exited; retrying"}\n'
    sleep 5
  done
}

# Endpoints come in fours after PROBE_MS: NAME PORT MODEL INPUT ("-" for no model).
ENDPOINTS=""
while [ $# -ge 4 ]; do
  m=$3; [ "$m" = - ] && m=""
  ENDPOINTS="$ENDPOINTS $1:$2:$m:$4"
  shift 4
done

host_loop &
xid_loop &
[ -n "$ENDPOINTS" ] && probe_loop &
gpu_loop

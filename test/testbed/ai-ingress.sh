#!/bin/sh
# The bed's stand-in for a radiology AI: a DICOM storage SCP (dcmtk's storescp) that answers each
# object it receives with a result object of the same study (new series and instance, "AI RESULT")
# sent to the result destination after a delay, as an AI returns a secondary capture or SR. The
# association is checked first (dicom-ae-front.py: an unknown called AE title, or a calling one not
# listed, is rejected); storescp itself listens on INNER_PORT.
#   ai-ingress.sh serve AE PORT INNER_PORT DELAY_S RESULT_HOST RESULT_PORT RESULT_AE DIR [CALLING_AE ...]
#   ai-ingress.sh answer DELAY_S RESULT_HOST RESULT_PORT RESULT_AE AE FILE    (storescp runs this)
set -u
# dcmtk keeps Nagle's algorithm on unless TCP_NODELAY is set: with delayed ACKs that is about 40 ms
# per exchange, which a real AI's own stack would not add to the probe's figure.
export TCP_NODELAY=1
self=$(readlink -f "$0")
case "$1" in
  serve)
    ae=$2 port=$3 inner=$4 delay=$5 rhost=$6 rport=$7 rae=$8 dir=$9
    shift 9
    mkdir -p "$dir"
    storescp -aet "$ae" -od "$dir" -xcr "$self answer $delay $rhost $rport $rae $ae #p/#f" "$inner" &
    scp=$!
    python3 "$(dirname "$self")/dicom-ae-front.py" "$port" "$inner" "$ae" "$@" &
    front=$!
    trap 'kill $scp $front 2>/dev/null; wait $scp $front 2>/dev/null' EXIT
    trap 'exit 143' TERM INT HUP
    # In the background and waited for: sh runs a trap only between commands, and `wait` is one.
    wait $front
    ;;
  answer)
    delay=$2 rhost=$3 rport=$4 rae=$5 ae=$6 f=$7
    r="$f.result"
    t0=$(date +%s%N)
    # The delay is the AI's whole processing time: making the result is inside it, as in a real AI.
    cp "$f" "$r" && dcmodify -nb -gin -gse -i "(0008,103e)=AI RESULT" "$r" >/dev/null 2>&1 || { rm -f "$f" "$r"; exit 1; }
    left=$(( $(awk "BEGIN { printf \"%d\", $delay * 1000 }") - ($(date +%s%N) - t0) / 1000000 ))
    [ "$left" -gt 0 ] && sleep "$(awk "BEGIN { printf \"%.3f\", $left / 1000 }")"
    storescu -aet "$ae" -aec "$rae" "$rhost" "$rport" "$r" >/dev/null 2>&1
    rm -f "$f" "$r"
    ;;
esac

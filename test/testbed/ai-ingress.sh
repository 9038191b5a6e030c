#!/bin/sh
# The bed's stand-in for a radiology AI: a DICOM storage SCP (dcmtk's storescp) that answers each
# object it receives with a result object of the same study (new series and instance, "AI RESULT")
# sent to the result destination after a delay, as an AI returns a secondary capture or SR.
#   ai-ingress.sh serve AE PORT DELAY_S RESULT_HOST RESULT_PORT RESULT_AE DIR
#   ai-ingress.sh answer DELAY_S RESULT_HOST RESULT_PORT RESULT_AE AE FILE    (storescp runs this)
set -u
self=$(readlink -f "$0")
case "$1" in
  serve)
    ae=$2 port=$3 delay=$4 rhost=$5 rport=$6 rae=$7 dir=$8
    mkdir -p "$dir"
    exec storescp -aet "$ae" -od "$dir" -xcr "$self answer $delay $rhost $rport $rae $ae #p/#f" "$port"
    ;;
  answer)
    delay=$2 rhost=$3 rport=$4 rae=$5 ae=$6 f=$7
    r="$f.result"
    sleep "$delay"
    cp "$f" "$r" && dcmodify -nb -gin -gse -i "(0008,103e)=AI RESULT" "$r" >/dev/null 2>&1 &&
      storescu -aet "$ae" -aec "$rae" "$rhost" "$rport" "$r" >/dev/null 2>&1
    rm -f "$f" "$r"
    ;;
esac

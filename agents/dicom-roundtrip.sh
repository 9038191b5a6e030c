#!/bin/sh
# Edgeward DICOM round-trip probe, streamed as `sh -s` (the synthetic study's dcmtk dump is its
# last argument: stdin is the script itself): C-STORE to the AI ingress, then wait for the AI's result (an object of the same study)
# at a storage SCP the probe runs on the node for as long as it waits. Times are the node's own
# clock, so the figure is the AI's path, not the console's link. Output, key=value lines:
#   sent_ms=N            the C-STORE, association included
#   result_ms=N          from the start of the C-STORE to the result's arrival
#   error=KIND TEXT      KIND: tools, generate, refused, rejected, context, store, result_port, pacs,
#                        pacs_refused, timeout
# With RESULT_QIDO (a DICOMweb base), the result is looked for at the PACS instead: the study's
# instances polled by QIDO-RS every 50 ms until one that is not ours is there (error=pacs: it never answered).
# With FIND_AE (and FIND_HOST, FIND_PORT), the same by C-FIND: the study's series at the PACS, one
# not ours is the result (error=pacs: nothing answers; error=pacs_refused: it will not take our query).
# Arguments: HOST PORT CALLED_AE CALLING_AE RESULT_PORT RESULT_AE TIMEOUT_MS STUDY_UID SOP_UID
#            RESULT_QIDO FIND_AE FIND_HOST FIND_PORT SERIES_UID DUMP
set -u
# dcmtk keeps Nagle's algorithm on unless TCP_NODELAY is set; with delayed ACKs each exchange then
# waits about 40 ms, which is the probe's own overhead, not the AI's.
export TCP_NODELAY=1
host=$1 port=$2 called=$3 calling=$4 rport=$5 rae=$6 timeout_ms=$7 study=$8 sop=$9
shift 9
qido=${1%/} find_ae=$2 find_host=$3 find_port=$4 series=$5 dump=$6
for t in dump2dcm storescu storescp dcmdump ${qido:+curl} ${find_ae:+findscu}; do
  command -v "$t" >/dev/null 2>&1 || { echo "error=tools $t not found (install dcmtk)"; exit 2; }
done
d=$(mktemp -d) || exit 1
scp=
trap '[ -n "$scp" ] && { kill "$scp" 2>/dev/null; wait "$scp" 2>/dev/null; }; rm -rf "$d"' EXIT
trap 'exit 143' TERM INT HUP
mkdir "$d/in"
printf '%s' "$dump" > "$d/study.dump"
dump2dcm --write-xfer-little "$d/study.dump" "$d/study.dcm" >"$d/gen.log" 2>&1 || { echo "error=generate $(head -c 300 "$d/gen.log" | tr '\n' ' ')"; exit 2; }
# The result SCP: each received file gets its arrival time beside it, written by the SCP itself.
at_pacs=$qido$find_ae
[ -z "$at_pacs" ] && { storescp -aet "$rae" -od "$d/in" -xcr "date +%s%N > $d/in/#f.arrived" "$rport" >"$d/scp.log" 2>&1 & scp=$!; }
i=0
while [ -z "$at_pacs" ] && [ $i -lt 50 ]; do
  kill -0 "$scp" 2>/dev/null || { echo "error=result_port cannot listen on port $rport: $(head -c 200 "$d/scp.log" | tr '\n' ' ')"; exit 3; }
  grep -q ":$(printf '%04X' "$rport") " /proc/net/tcp /proc/net/tcp6 2>/dev/null && break
  sleep 0.02; i=$((i + 1))
done
t0=$(date +%s%N)
storescu -aet "$calling" -aec "$called" "$host" "$port" "$d/study.dcm" >"$d/scu.log" 2>&1
rc=$?
t1=$(date +%s%N)
echo "sent_ms=$(( (t1 - t0) / 1000000 ))"
log=$(tr '\n' ' ' < "$d/scu.log" | head -c 600)
if [ $rc -ne 0 ] || grep -q -E '^[EF]:' "$d/scu.log"; then
  case "$log" in
    *"Association Rejected"*) echo "error=rejected $log" ;;
    *"Association Request Failed"*) echo "error=refused $log" ;;
    *"No presentation context"*|*"No Acceptable Presentation Contexts"*) echo "error=context $log" ;;
    *) echo "error=store $log" ;;
  esac
  exit 4
fi
deadline=$(( t0 + timeout_ms * 1000000 ))
if [ -n "$qido" ]; then
  answered=
  while :; do
    # The SOP Instance UIDs of the study's instances at the PACS (DICOM JSON, either key order); one not ours is the result.
    code=$(curl -sS --connect-timeout 2 --max-time 3 -o "$d/qido" -w '%{http_code}' -H 'Accept: application/dicom+json' "$qido/studies/$study/instances" 2>"$d/qido.err")
    case "$code" in 200|204|404) answered=1 ;; esac
    if [ "$code" = 200 ] && tr -d ' \t\r\n' < "$d/qido" | grep -o '"00080018":{[^}]*}' | grep -o '\["[0-9.]*"\]' | grep -v -F "[\"$sop\"]" | grep -q .; then
      echo "result_ms=$(( ($(date +%s%N) - t0) / 1000000 ))"
      exit 0
    fi
    if [ "$(date +%s%N)" -gt "$deadline" ]; then
      if [ -z "$answered" ]; then echo "error=pacs $(head -c 300 "$d/qido.err" | tr '\n' ' ') (HTTP $code)"; exit 6; fi
      echo "error=timeout no result for the study at the PACS within $timeout_ms ms"; exit 5
    fi
    sleep 0.05
  done
fi
if [ -n "$find_ae" ]; then
  answered= said=
  while :; do
    # Series level: a strictly hierarchical PACS takes a study's series by its UID alone.
    findscu -v -S -aet "$calling" -aec "$find_ae" -k QueryRetrieveLevel=SERIES -k "StudyInstanceUID=$study" -k SeriesInstanceUID \
      "$find_host" "$find_port" >"$d/find.raw" 2>&1
    frc=$?
    # Printable text only: a PACS may pad an odd-length UID with a NUL, which makes grep call the whole output binary.
    tr -c '[:print:]\n' ' ' <"$d/find.raw" >"$d/find"
    if [ $frc -eq 0 ] && grep -q 'Final Find Response (Success)' "$d/find"; then
      answered=1
      # Each response's Series Instance UID (the query's own echo comes before the first response).
      if sed -n '/Find Response/,$p' "$d/find" | grep -o '(0020,000e) UI \[[0-9.]*' | grep -o '[0-9.]*$' | grep -v -x -F "$series" | grep -q .; then
        echo "result_ms=$(( ($(date +%s%N) - t0) / 1000000 ))"
        exit 0
      fi
    else
      said=$(grep -E '^[EF]:' "$d/find" | grep -v -E '^E: +(\(|#|$)' | tr '\n' ' ' | head -c 300)
    fi
    if [ "$(date +%s%N)" -gt "$deadline" ]; then
      [ -n "$answered" ] && { echo "error=timeout no result for the study at the PACS within $timeout_ms ms"; exit 5; }
      case "$said" in
        *"Association Request Failed"*) echo "error=pacs $said" ;;
        *) echo "error=pacs_refused $said" ;;
      esac
      exit 6
    fi
    sleep 0.05
  done
fi
while :; do
  for a in "$d"/in/*.arrived; do
    [ -f "$a" ] || continue
    f=${a%.arrived}
    tag() { dcmdump -q +P "$1" "$f" 2>/dev/null | sed -n 's/.*\[\(.*\)\].*/\1/p' | head -n 1; }
    # A result is another object of our study (our own image echoed back is not one).
    if [ "$(tag 0020,000d)" = "$study" ] && [ "$(tag 0008,0018)" != "$sop" ]; then
      echo "result_ms=$(( ($(cat "$a") - t0) / 1000000 ))"
      exit 0
    fi
    rm -f "$a"
  done
  [ "$(date +%s%N)" -gt "$deadline" ] && { echo "error=timeout no result for the study within $timeout_ms ms"; exit 5; }
  sleep 0.005
done

#!/usr/bin/env bash
# The peer of `mynaq elig query`: the least a script can do through the 資格確認端末's folder —
# copy the request in, rename it into req/, poll for the result every millisecond and read
# it. No parsing, no store: its time is the emulator's turnaround plus process starts.
# Usage: peer_query.sh ROOT REQUEST_TEMPLATE
set -euo pipefail
root=$1 template=$2
suffix=$(date +%s%N | tail -c 13)
name=OQSsiquc01req_$suffix.xml
res=OQSsiquc01res_$suffix.xml
cp "$template" "$root/work/$name"
mv "$root/work/$name" "$root/req/$name"
for ((i = 0; i < 30000; i++)); do
  [[ -f $root/res/$res ]] && break
  sleep 0.001
done
cat "$root/res/$res" >/dev/null

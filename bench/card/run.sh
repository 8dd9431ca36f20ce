#!/usr/bin/env bash
# Card benchmark: mynaq against OpenSC (pkcs15-tool / opensc-tool) on mynaq's virtual My Number
# card, in one private pcscd started by `mynaq sim run`.
#   1. APDUs the card receives per command (from the card's --log)
#   2. wall time of the same commands (hyperfine), card already up
#   3. start-up time: `mynaq --version` against `opensc-tool --info`
# Prints a markdown table and writes it to bench/card/results.md. Needs root (sim run does).
# Environment: MYNAQ_BENCH_BUILD_DIR (default build-bench), MYNAQ_BENCH_RUNS (30),
# MYNAQ_BENCH_KEEP=1 keeps the work directory (APDU log, hyperfine JSON).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MYNAQ_BENCH_BUILD_DIR:-$root/build-bench}
runs=${MYNAQ_BENCH_RUNS:-30}
warmup=3

say() { echo "bench: $*" >&2; }

# ---- what it needs ------------------------------------------------------------------------
if [[ $(id -u) -ne 0 ]]; then
  say "run as root: mynaq sim run starts a private pcscd in its own mount namespace"
  exit 1
fi
bash "$root/scripts/install-deps.sh"  # build deps, pcscd, vpcd, opensc; installs only what is missing
extra=()
command -v hyperfine >/dev/null || extra+=(hyperfine)
command -v jq >/dev/null || extra+=(jq)
if ((${#extra[@]})); then
  say "installing ${extra[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null 2>&1 || {
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null
  }
fi

if [[ ! -f $build/build.ninja ]]; then
  say "configuring $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
say "building mynaq in $build"
cmake --build "$build" --target mynaq >/dev/null
mynaq=$build/cmd/mynaq
[[ -x $mynaq ]] || { say "no binary at $mynaq"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mynaq-bench-card.XXXXXX")
if [[ ${MYNAQ_BENCH_KEEP:-0} == 1 ]]; then
  say "work directory kept: $work"
else
  trap 'rm -rf "$work"' EXIT
fi

# A config of our own, so a user's ~/.config/mynaq (e.g. a `reader:` filter) cannot interfere.
cat >"$work/config.yaml" <<'EOF'
lang: en
card:
  wait_ms: 3000
EOF
# OpenSC runs on its defaults (/etc/opensc/opensc.conf, every card driver, no file caching).

load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 3. start-up (no card involved) -------------------------------------------------------
say "start-up: mynaq --version vs opensc-tool --info"
hyperfine -N --warmup 10 --runs 200 --export-json "$work/startup.json" \
  "$mynaq --version" "opensc-tool --info" "true" >"$work/startup.txt" 2>&1 ||
  { cat "$work/startup.txt" >&2; exit 1; }

# ---- 1 + 2. inside one private pcscd with the virtual card --------------------------------
cat >"$work/inner.sh" <<'INNER'
set -euo pipefail
log=$BENCH_WORK/apdu.jsonl
mq="$BENCH_MYNAQ --config $BENCH_WORK/config.yaml"
lines() { if [[ -f $log ]]; then wc -l <"$log"; else echo 0; fi; }

# The user-authentication certificate's PKCS#15 id: the certificate whose path is EF 000A.
pkcs15-tool --list-certificates >"$BENCH_WORK/certs.txt" 2>/dev/null
cert_id=$(awk 'BEGIN { RS = "" } {
  path = ""; id = ""; n = split($0, line, "\n")
  for (i = 1; i <= n; i++) {
    v = line[i]; sub(/^[^:]*: */, "", v)
    if (line[i] ~ /^[ \t]*Path[ \t]*:/) path = tolower(v)
    if (line[i] ~ /^[ \t]*ID[ \t]*:/) id = v
  }
  if (path ~ /000a$/ && id != "") { print id; exit }
}' "$BENCH_WORK/certs.txt")
[[ -n $cert_id ]] || { echo "bench: no user-authentication certificate in pkcs15-tool --list-certificates" >&2; cat "$BENCH_WORK/certs.txt" >&2; exit 1; }
echo "$cert_id" >"$BENCH_WORK/cert_id"

# name|command (run without a shell, by hyperfine -N too)
cat >"$BENCH_WORK/commands" <<EOF
mynaq_cert|$mq card cert --pem
opensc_cert|pkcs15-tool --read-certificate $cert_id
mynaq_pins|$mq card pin-status
mynaq_pins_raw|$mq card pin-status --app jpki
opensc_pins|pkcs15-tool --list-pins
EOF

# 1. APDU count: each command once, the card's log cut between them.
while IFS='|' read -r name cmd; do
  before=$(lines)
  # shellcheck disable=SC2086 # word splitting wanted
  $cmd </dev/null >"$BENCH_WORK/$name.out" 2>"$BENCH_WORK/$name.err" || {
    echo "bench: '$cmd' failed" >&2; cat "$BENCH_WORK/$name.err" >&2; exit 1; }
  after=$(lines)
  sed -n "$((before + 1)),${after}p" "$log" >"$BENCH_WORK/$name.apdu.jsonl"
done <"$BENCH_WORK/commands"

# 2. wall time, card and pcscd already up.
args=()
while IFS='|' read -r name cmd; do args+=(--command-name "$name" "$cmd"); done <"$BENCH_WORK/commands"
hyperfine -N --warmup "$BENCH_WARMUP" --runs "$BENCH_RUNS" --export-json "$BENCH_WORK/card.json" \
  "${args[@]}" >"$BENCH_WORK/card.txt" 2>&1 || { cat "$BENCH_WORK/card.txt" >&2; exit 1; }
INNER

say "card: APDU counts and hyperfine inside mynaq sim run"
BENCH_WORK=$work BENCH_MYNAQ=$mynaq BENCH_RUNS=$runs BENCH_WARMUP=$warmup \
  "$mynaq" sim run --log "$work/apdu.jsonl" --state "$work/state" -- "$(command -v bash)" "$work/inner.sh"

# ---- the table ----------------------------------------------------------------------------
jpki_aid='D3 92 F0 00 26 01 00 00 00 01'
apdus() { wc -l <"$work/$1.apdu.jsonl"; }
# APDUs before the first SELECT of the JPKI AP: OpenSC's card-driver probing.
probing() {
  jq -r --arg aid "$jpki_aid" '.command | contains($aid)' "$work/$1.apdu.jsonl" |
    awk '$0 == "true" { exit } { n++ } END { print n + 0 }'
}
stat() {  # file name -> "median_ms mean_ms sd_ms"
  jq -r --arg n "$2" '.results[] | select(.command == $n) |
    "\(.median * 1000) \(.mean * 1000) \(.stddev * 1000)"' "$1"
}
ms() { awk -v d="$1" -v m="$2" -v s="$3" 'BEGIN { printf "%.1f (%.1f ± %.1f)", d, m, s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

read -r mc_d mc_m mc_s < <(stat "$work/card.json" mynaq_cert)
read -r oc_d oc_m oc_s < <(stat "$work/card.json" opensc_cert)
read -r mp_d mp_m mp_s < <(stat "$work/card.json" mynaq_pins)
read -r mr_d mr_m mr_s < <(stat "$work/card.json" mynaq_pins_raw)
read -r op_d op_m op_s < <(stat "$work/card.json" opensc_pins)
read -r mv_d mv_m mv_s < <(stat "$work/startup.json" "$mynaq --version")
read -r ov_d ov_m ov_s < <(stat "$work/startup.json" "opensc-tool --info")
read -r tv_d tv_m tv_s < <(stat "$work/startup.json" "true")

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cert_id=$(cat "$work/cert_id")
busy=""
if awk -v l="${load_before%% *}" -v m="${load_after%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2 || m > n / 2) }'; then
  busy=" — **the machine was busy: times are noisy, compare ratios across runs with care**"
fi
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mynaq_version=$("$mynaq" --version | head -1)
opensc_version=$(opensc-tool --info | head -1)
hf_version=$(hyperfine --version)
seq_of() { jq -r '"    " + .command + "  -> " + .sw' "$work/$1.apdu.jsonl"; }

table=$(cat <<EOF
# Card benchmark: mynaq vs OpenSC on the virtual My Number card

- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr)
- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average before/after: ${load_before} / ${load_after}${busy}
- Versions: ${mynaq_version}; ${opensc_version}; ${hf_version}
- Card: mynaq's virtual card (plastic profile) on vpcd, one private pcscd for every row
  (\`mynaq sim run\`); pcscd and card start-up are outside every measurement.
- Wall time: hyperfine -N, ${warmup} warm-up + ${runs} runs (start-up: 10 + 200), in ms as
  median (mean ± σ). Ratio = OpenSC median / mynaq median (> 1: mynaq faster).
- OpenSC on its defaults; the auth certificate's PKCS#15 id is \`${cert_id}\` (EF 000A).

| task | mynaq command | APDUs | time | OpenSC command | APDUs (probing + JPKI) | time | ratio |
|---|---|--:|--:|---|--:|--:|--:|
| auth certificate (EF 000A) | \`card cert --pem\` | $(apdus mynaq_cert) | $(ms "$mc_d" "$mc_m" "$mc_s") | \`pkcs15-tool --read-certificate ${cert_id}\` | $(apdus opensc_cert) ($(probing opensc_cert) + $(($(apdus opensc_cert) - $(probing opensc_cert)))) | $(ms "$oc_d" "$oc_m" "$oc_s") | $(ratio "$oc_d" "$mc_d") |
| retry counters: mynaq 4, OpenSC 2 | \`card pin-status\` | $(apdus mynaq_pins) | $(ms "$mp_d" "$mp_m" "$mp_s") | \`pkcs15-tool --list-pins\` | $(apdus opensc_pins) ($(probing opensc_pins) + $(($(apdus opensc_pins) - $(probing opensc_pins)))) | $(ms "$op_d" "$op_m" "$op_s") | $(ratio "$op_d" "$mp_d") |
| retry counters: the same 2 | \`card pin-status --app jpki\` | $(apdus mynaq_pins_raw) | $(ms "$mr_d" "$mr_m" "$mr_s") | \`pkcs15-tool --list-pins\` | $(apdus opensc_pins) | $(ms "$op_d" "$op_m" "$op_s") | $(ratio "$op_d" "$mr_d") |
| start-up, no card | \`--version\` | – | $(ms "$mv_d" "$mv_m" "$mv_s") | \`opensc-tool --info\` | – | $(ms "$ov_d" "$ov_m" "$ov_s") | $(ratio "$ov_d" "$mv_d") |
| floor: any process | \`/usr/bin/true\` | – | $(ms "$tv_d" "$tv_m" "$tv_s") | | | | |

What each command reads:
- \`mynaq card cert --pem\`: SELECT JPKI AP, SELECT EF 000A, READ BINARY up to the certificate's
  DER length (told by its first chunk). \`pkcs15-tool --read-certificate\` first probes for its card
  drivers (SELECTs of other AIDs, GET DATA), binds the jpki emulator (which also queries both PIN
  counters), reads a 4-byte header of EF 000A, then the certificate.
- \`mynaq card pin-status\` reads 4 counters in 3 applications: JPKI auth PIN (EF 0018), JPKI
  signature password (EF 001B), 券面事項入力補助AP PIN (EF 0011), 券面事項確認AP 照合番号B (EF 0012).
  \`pkcs15-tool --list-pins\` lists only the 2 JPKI PINs (auth, signature); \`card pin-status
  --app jpki\` reads the same 2 (SELECT JPKI AP, then SELECT EF + VERIFY without data for each).
- "probing" = APDUs before the first SELECT of the JPKI AP (\`${jpki_aid}\`).
EOF
)

details=$(cat <<EOF

<details><summary>APDU sequences (command -> status word), from the card's log</summary>

mynaq card cert --pem:

$(seq_of mynaq_cert)

pkcs15-tool --read-certificate ${cert_id}:

$(seq_of opensc_cert)

mynaq card pin-status:

$(seq_of mynaq_pins)

mynaq card pin-status --app jpki (2 JPKI counters):

$(seq_of mynaq_pins_raw)

pkcs15-tool --list-pins:

$(seq_of opensc_pins)

</details>
EOF
)

printf '%s\n' "$table"
printf '%s\n%s\n' "$table" "$details" >"$here/results.md"
say "written $here/results.md"

#!/usr/bin/env bash
# 薬剤情報 benchmark: a five-year drug history of 3,000 DrugInf entries (60 months, the three
# sources レセプト/処方箋/調剤結果, nine institutions), read by mynaq and by its peer in one run:
#   mynaq   bench/info/bench_info.cpp (mynaq_bench_info): generates the history, writes it with
#           build_drug_result + write_xml as UTF-8 and as Shift_JIS, and times per encoding
#           (a) bytes → Document (parse_xml, decoding included), (b) Document → DrugHistory
#           (parse_drug_result), (c) the whole read, file → DrugHistory; goal (c) ≤ 50 ms.
#           It fails unless all 3,000 entries come back, exactly as written, newest first.
#   peer    bench/info/peer_etree.py: Python 3's xml.etree.ElementTree walking the same files
#           the way OQSDrug2 does (the one public client), timed in process the same way.
#           Its 20 fields per entry must equal mynaq's, line for line, else the script fails.
#   xmllint (optional) libxml2's own parse of the same bytes, no conversion to our tree: the
#           floor under (a).
# Prints a markdown report and writes it to bench/info/results.md.
# Environment: MYNAQ_BENCH_BUILD_DIR (default build-bench), MYNAQ_BENCH_RUNS (50),
# MYNAQ_BENCH_JOBS (2, build parallelism), MYNAQ_BENCH_PYTHON (python3),
# MYNAQ_BENCH_KEEP=1 keeps the work directory (the XML files and the TSV listings).
# Installs nothing: without python3 or xmllint the report says the peer was not available.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MYNAQ_BENCH_BUILD_DIR:-$root/build-bench}
runs=${MYNAQ_BENCH_RUNS:-50}
jobs=${MYNAQ_BENCH_JOBS:-2}
python=${MYNAQ_BENCH_PYTHON:-python3}
say() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

say "building mynaq_bench_info in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYNAQ_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs" --target mynaq_bench_info >/dev/null
bench=$build/bench/mynaq_bench_info
[[ -x $bench ]] || die "no $bench"

work=$(mktemp -d "${TMPDIR:-/tmp}/mynaq-bench-info.XXXXXX")
cleanup() {
  if [[ ${MYNAQ_BENCH_KEEP:-0} == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# shellcheck source=bench/cpu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cpu.sh"
busy_jiffies() {  # all CPUs' non-idle time since boot, in clock ticks
  local a i sum=0
  read -ra a < <(grep '^cpu ' /proc/stat)
  # user nice system [idle iowait] irq softirq steal; guest time is already in user and nice.
  for ((i = 1; i <= 8 && i < ${#a[@]}; ++i)); do ((i == 4 || i == 5)) || sum=$((sum + a[i])); done
  echo "$sum"
}
# User + system time of this shell's finished children, in seconds, from the output of `times`
# (which must run in this shell itself: in a $(…) subshell it would see none of them).
children_cpu_s() {
  tail -n 1 "$1" | awk '{ t = 0; for (i = 1; i <= 2; ++i) { split($i, p, "m");
    t += p[1] * 60 + p[2] } printf "%.3f", t }'
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
busy_before=$(cpu_busy)

# ---- measurements -------------------------------------------------------------------------
# Everything else that ran meanwhile: the machine's busy time during the measurements minus
# our own processes' CPU time, as a share of all CPUs.
jiffies0=$(busy_jiffies)
times >"$work/times0"
t0=$(date +%s%N)

say "mynaq_bench_info, $runs runs per measure"
"$bench" --work "$work" --runs "$runs" >"$work/mynaq.txt" || die "mynaq_bench_info failed"
grep -qx 'check ok' "$work/mynaq.txt" || die "mynaq_bench_info did not check its answer"

peer=none
peer_why=
if command -v "$python" >/dev/null 2>&1; then
  say "$python xml.etree.ElementTree, $runs runs per measure"
  "$python" "$here/peer_etree.py" --runs "$runs" "utf8=$work/drugs_utf8.xml" \
    "sjis=$work/drugs_sjis.xml" >"$work/peer.txt" || die "peer_etree.py failed"
  for key in utf8 sjis; do
    cmp -s "$work/mynaq_$key.tsv" "$work/peer_$key.tsv" || {
      diff "$work/mynaq_$key.tsv" "$work/peer_$key.tsv" | head -n 6 >&2
      die "ElementTree ($key) did not read the same entries as mynaq"
    }
  done
  peer=etree
else
  peer_why="no $python on this machine"
  say "$peer_why: the peer is reported as not available"
fi

: >"$work/xmllint.txt"
xmllint_version=
if command -v xmllint >/dev/null 2>&1; then
  xmllint_version=$(xmllint --version 2>&1 | sed -n 's/.*using libxml version \([0-9]*\).*/\1/p')
  for key in utf8 sjis; do
    # --repeat parses 100 times in one process; --timing reports the total in ms.
    if out=$(xmllint --noout --timing --repeat "$work/drugs_$key.xml" 2>&1 >/dev/null) &&
      ms=$(sed -n 's/^100 iterations took \([0-9]*\) ms$/\1/p' <<<"$out") && [[ -n $ms ]]; then
      echo "$key.mean_ms $(awk -v t="$ms" 'BEGIN { printf "%.2f", t / 100 }')" >>"$work/xmllint.txt"
    else
      say "xmllint could not parse drugs_$key.xml: $(head -n 1 <<<"$out")"
      echo "$key.error $(head -n 1 <<<"$out")" >>"$work/xmllint.txt"
    fi
  done
fi

t1=$(date +%s%N)
times >"$work/times1"
jiffies1=$(busy_jiffies)
cpu0=$(children_cpu_s "$work/times0")
cpu1=$(children_cpu_s "$work/times1")
others=$(awk -v j="$((jiffies1 - jiffies0))" -v hz="$(getconf CLK_TCK)" -v c0="$cpu0" -v c1="$cpu1" \
  -v ns="$((t1 - t0))" -v n="$(nproc)" 'BEGIN {
    o = (j / hz - (c1 - c0)) / (ns / 1e9 * n) * 100; if (o < 0) o = 0; printf "%.0f", o }')
elapsed_s=$(awk -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f", ns / 1e9 }')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(cpu_busy)

# ---- report -------------------------------------------------------------------------------
declare -A M P X
while read -r k v; do M[$k]=$v; done <"$work/mynaq.txt"
[[ $peer == none ]] || while read -r k v; do P[$k]=$v; done <"$work/peer.txt"
while read -r k v; do X[$k]=$v; done <"$work/xmllint.txt"

ratio() {  # mynaq / peer, two decimals, and how many times faster or slower
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || a <= 0 || b <= 0) { printf "–"; exit }
    r = a / b; printf "%.2f (%.1f× %s)", r, r < 1 ? 1 / r : r, r < 1 ? "faster" : "slower" }'
}
ms() { [[ -n ${1:-} ]] && printf '%.2f' "$1" || printf '–'; }
pair() { [[ -n ${1:-} ]] && printf '%.2f / %.2f' "$1" "$2" || printf '–'; }
goal=50
cpu_gap() {  # the largest |wall - cpu| / wall over mynaq's medians, in %
  for k in "${!M[@]}"; do
    [[ $k == *.cpu_median_ms ]] && echo "${M[${k%.cpu_median_ms}.median_ms]} ${M[$k]}"
  done | awk '{ g = ($1 - $2) / $1 * 100; if (g < 0) g = -g; if (g > m) m = g } END { printf "%.0f", m }'
}
verdict() {
  awk -v m="$1" -v g="$goal" 'BEGIN {
    printf "≤ %d median: %s (%.2f × the goal)", g, m <= g ? "met" : "**missed**", m / g }'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain -- lib bench ':!bench/*/results.md' 2>/dev/null | head -n 1)
[[ -z $dirty ]] || commit="$commit + uncommitted changes"
busy=$((busy_before > busy_after ? busy_before : busy_after))
noisy=
((busy > 25 || others > 25)) && noisy=' — **the machine was busy: times are noisy**'
libxml=$(ldd "$bench" 2>/dev/null | awk '/libxml2/ { print $3 }' | xargs -r readlink -f | xargs -r basename)
peer_name="Python ElementTree"
if [[ $peer == none ]]; then
  peer_version="not available ($peer_why)"
else
  peer_version="${P[python]}, xml.etree.ElementTree $([[ ${P[etree_c]} == 1 ]] && echo '(C accelerator)' || echo '(pure Python)')"
fi
fmt_int() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

{
  echo "# 薬剤情報 benchmark: a five-year drug history, mynaq against Python's ElementTree"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M') UTC; \`bash bench/info/run.sh\` (MYNAQ_BENCH_RUNS=$runs)"
  echo "- Machine: $(nproc) CPUs, $cpu; CPU busy over 2 s before/after: $busy_before % / $busy_after %;" \
    "other processes during the ${elapsed_s} s of measurements: $others % of all CPUs${noisy:- (quiet)};" \
    "load average before/after: $load_before / $load_after (includes the build, if one ran)"
  echo "- Versions: mynaq commit $commit, RelWithDebInfo, ${libxml:-libxml2}; peer: $peer_version;" \
    "xmllint ${xmllint_version:-not installed}"
  echo "- History: $(fmt_int "${M[entries]}") DrugInf entries (レセプト ${M[entries.receipt]}," \
    "処方箋 ${M[entries.prescription]}, 調剤結果 ${M[entries.dispensing]}) over ${M[months]} months" \
    "${M[first_month]}–${M[last_month]}, ${M[institutions]} institutions, ${M[visits]} visits" \
    "(the regular ones gave $(fmt_int "${M[entries.regular]}") entries);" \
    "${M[month_elements]} month and ${M[date_elements]} date elements, $(fmt_int "${M[elements]}") elements in all;" \
    "UTF-8 $(fmt_int "${M[utf8.bytes]}") bytes, Shift_JIS $(fmt_int "${M[sjis.bytes]}") bytes (seed ${M[seed]})"
  echo
  echo "| step (3,000 entries) | file | mynaq ms median / p90 | $peer_name ms median / p90 | mynaq / $peer_name | goal |"
  echo "|---|---|--:|--:|--:|---|"
  for step in a b c; do
    for key in utf8 sjis; do
      label=$([[ $key == utf8 ]] && echo UTF-8 || echo Shift_JIS)
      case $step in
        a) name="(a) bytes → tree, decoding included"; mk=parse_xml; pk=parse ;;
        b) name="(b) tree → entries, newest first"; mk=to_history; pk=extract ;;
        c) name="(c) whole: read the file → entries"; mk=whole; pk=whole ;;
      esac
      m50=${M[$key.$mk.median_ms]}
      g="–"
      [[ $step == c ]] && g=$(verdict "$m50")
      extra=
      [[ $step == a && $key == sjis ]] && extra=" (decoding alone $(ms "${M[sjis.decode.median_ms]}"))"
      echo "| $name | $label | $(pair "$m50" "${M[$key.$mk.p90_ms]}")$extra |" \
        "$(pair "${P[$key.$pk.median_ms]:-}" "${P[$key.$pk.p90_ms]:-}") |" \
        "$(ratio "$m50" "${P[$key.$pk.median_ms]:-}") | $g |"
    done
  done
  for key in utf8 sjis; do
    label=$([[ $key == utf8 ]] && echo UTF-8 || echo Shift_JIS)
    echo "| (c) whole, $peer_name with its garbage collector on | $label | – |" \
      "$(pair "${P[$key.whole_gc.median_ms]:-}" "${P[$key.whole_gc.p90_ms]:-}") |" \
      "$(ratio "${M[$key.whole.median_ms]}" "${P[$key.whole_gc.median_ms]:-}") | – |"
  done
  echo
  echo "mynaq's on-CPU time (thread CPU clock) was within $(cpu_gap) % of its wall time in every median:"
  echo "it did not wait for a CPU. A busy machine still slows it through shared caches and cores."
  echo
  if [[ -n $xmllint_version ]]; then
    echo "libxml2 alone, for scale: \`xmllint --noout --timing --repeat\` (100 parses in one process, no tree for us):"
    echo
    echo "| raw parse | UTF-8 | Shift_JIS |"
    echo "|---|--:|--:|"
    xl() { [[ -n ${X[$1.mean_ms]:-} ]] && echo "${X[$1.mean_ms]}" || echo "failed: ${X[$1.error]:-?}"; }
    echo "| xmllint, ms mean of 100 | $(xl utf8) | $(xl sjis) |"
    echo "| mynaq (a), ms median | $(ms "${M[utf8.parse_xml.median_ms]}") | $(ms "${M[sjis.parse_xml.median_ms]}") |"
    echo "| mynaq (a) / xmllint | $(ratio "${M[utf8.parse_xml.median_ms]}" "${X[utf8.mean_ms]:-}") |" \
      "$(ratio "${M[sjis.parse_xml.median_ms]}" "${X[sjis.mean_ms]:-}") |"
    echo
  fi
  echo "Checks (the script fails otherwise): both files give back all $(fmt_int "${M[entries]}") generated entries, every"
  echo "field and unknown element as written, newest first (month, then date)."
  if [[ $peer != none ]]; then
    echo "ElementTree's 20 fields per entry equal mynaq's line for line, in the same order, for both files."
  fi
  echo
  echo "Method:"
  echo "- The history is generated in mynaq_bench_info (bench/info/bench_info.cpp) from a fixed seed:"
  echo "  a patient with 内科 every four weeks (院外, 5–10 drugs), 整形外科 every two weeks (院内),"
  echo "  耳鼻科 in hay-fever season and winter, 皮膚科 and 眼科 every four weeks, a hospital every four"
  echo "  weeks from the third year, and acute visits (内科 or 耳鼻科) to make up the count; from 2023"
  echo "  (電子処方箋) 60 % of 院外 prescriptions also come back as 処方箋 and 調剤結果 records, and"
  echo "  レセプト records lag a month. Past the count, entries are dropped at random to exactly"
  echo "  $(fmt_int "${M[entries]}"). Names and codes are invented (「模擬」, 99xxxxxxx)."
  echo "  \`build_drug_result\` groups them into month and date elements; \`write_xml\` writes them"
  echo "  (Shift_JIS as CP932)."
  echo "- mynaq: (a) \`parse_xml(bytes)\` from memory (libxml2, then our Node tree; Shift_JIS is decoded"
  echo "  to UTF-8 first), (b) \`parse_drug_result(doc)\`, (c) \`read_file_bytes\` (mynaq/files.hpp) +"
  echo "  (a) + (b), each $runs runs after 2 untimed; median and nearest-rank p90."
  echo "- Peer: bench/info/peer_etree.py reads as OQSDrug2's ProcessDrugInfoAsync2 does:"
  echo "  /XmlMsg/MessageBody/{MeTrMonthInf, ShPrInf/ShPrMonthInf, CzDiInf/CzDiMonthInf}, each field"
  echo "  under the first of its three spellings present, …DateInfs/…DateInf, …DrugInfs/…DrugInf; then"
  echo "  the same stable newest-first sort. Shift_JIS is decoded as CP932 before parsing (pyexpat"
  echo "  refuses multi-byte encodings). Same rounds, warm-up and statistics, time.perf_counter_ns;"
  echo "  its garbage collector is off in those rounds, as timeit does (with both files' trees alive"
  echo "  its passes would land on whichever step ran), and on for the extra whole-read row, which"
  echo "  reads one file at a time with nothing else alive, as a program would."
  echo "- Both sides take turns: each round runs every measure once, so a slow spell of the shared"
  echo "  machine falls on all of them alike. mynaq runs first, then the peer."
  echo "- Ratio = mynaq median / peer median (below 1: mynaq is faster)."
} >"$work/results.md"
cp "$work/results.md" "$here/results.md"
cat "$here/results.md"

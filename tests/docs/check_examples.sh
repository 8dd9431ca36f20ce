#!/usr/bin/env bash
# Fails when an example under examples/ no longer works with the mynaq binary under test:
#
#   check_examples.sh MYNAQ SOURCE_DIR
#
# 1. clinic.yaml, pharmacy.yaml and config.yaml pass `mynaq config check` (0, or 1 for a path
#    that does not exist on this machine; never 78), name the facility they say, and create
#    nothing; a broken copy is refused with 78.
# 2. Every examples/*.sh is executable and shellcheck-clean.
# 3. mynaq-elig-watch.service passes `systemd-analyze verify` (run on a copy whose ExecStart is
#    the binary under test), and keeps the keys the examples rely on.
# 4. batch-from-reservations.sh runs reservations.csv end to end against `mynaq sim oqs`.
# 5. monthly-report.sh writes its three files from a store seeded with receipts.csv.
#
# Needs bash, jq, shellcheck and systemd-analyze (scripts/install-deps.sh installs them).
set -euo pipefail

if (($# != 2)); then
    echo "usage: ${0##*/} MYNAQ SOURCE_DIR" >&2
    exit 2
fi
mynaq=$(realpath -- "$1")
source_dir=$(realpath -- "$2")
examples=$source_dir/examples

scratch=$(mktemp -d)
sim_pid=
cleanup() {
    if [[ -n $sim_pid ]]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf -- "$scratch"
}
trap cleanup EXIT

# Nothing of the user's configuration, store or scripts' settings leaks in.
export XDG_CONFIG_HOME=$scratch/xdg-config XDG_CONFIG_DIRS=$scratch/xdg-dirs
export XDG_DATA_HOME=$scratch/xdg-data XDG_STATE_HOME=$scratch/xdg-state LC_ALL=C.UTF-8
unset MYNAQ_CONFIG MYNAQ_REPORT_DIR MYNAQ_BATCH_DIR
export MYNAQ=$mynaq

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

for tool in jq shellcheck; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

# The value of KEY in top-level section SECTION of a YAML file (quotes and comments dropped).
yaml_value() {
    awk -v section="$2:" -v key="$3" '
        $0 ~ "^[^ #]" { inside = ($1 == section); next }
        inside && $1 == key ":" {
            sub(/^[^:]*:[ ]*/, ""); sub(/[ ]+#.*$/, ""); gsub(/"/, ""); print; exit
        }' "$1"
}

mode_of() {
    stat -c %a -- "$1"
}

# expect_file FILE: FILE exists, is not empty and is readable by its owner only.
expect_private_file() {
    if [[ ! -s $1 ]]; then
        fail "${1#"$scratch"/} was not written"
    elif [[ $(mode_of "$1") != 600 ]]; then
        fail "${1#"$scratch"/} has mode $(mode_of "$1"), not 600"
    fi
}

# --- 1. the configuration examples --------------------------------------------------------

check_config() {
    local file=$1 name=${1##*/} code store status=0 created=
    code=$(yaml_value "$file" facility code)
    store=$(yaml_value "$file" store path)
    # `config check` must only look: a store it would open is created on first use.
    [[ -z $store || -e $store ]] || created=$store
    "$mynaq" --config "$file" --json config check >"$scratch/check.json" 2>"$scratch/check.err" ||
        status=$?
    case $status in
        0 | 1) ;;
        *)
            fail "config check $name: exit $status (0 or 1 wanted)"
            sed 's/^/  /' "$scratch/check.json" "$scratch/check.err" >&2
            return
            ;;
    esac
    if ! jq -e . "$scratch/check.json" >/dev/null 2>&1; then
        fail "config check $name: --json printed no JSON document"
        return
    fi
    [[ $(jq -r '.valid' "$scratch/check.json") == true ]] || fail "config check $name: not valid"
    [[ $(jq -r '.facility.code' "$scratch/check.json") == "$code" ]] ||
        fail "config check $name: facility.code is $(jq -c '.facility.code' "$scratch/check.json"), the file says $code"
    # 1 means warnings, and 0 none.
    local warnings
    warnings=$(jq '.warnings | length' "$scratch/check.json")
    if { ((status == 0)) && ((warnings > 0)); } || { ((status == 1)) && ((warnings == 0)); }; then
        fail "config check $name: exit $status with $warnings warning(s)"
    fi
    if [[ -n $created && -e $created ]]; then
        fail "config check $name created the store $created"
        rm -f -- "$created" "$created-wal" "$created-shm"
    fi
}

for name in clinic.yaml pharmacy.yaml config.yaml; do
    check_config "$examples/$name"
done

# A broken copy: an invalid value is CONFIG_INVALID (78), whatever else the file holds.
sed 's/^\(  transport:\) .*/\1 carrier-pigeon/' "$examples/clinic.yaml" >"$scratch/broken.yaml"
grep -q 'transport: carrier-pigeon' "$scratch/broken.yaml" || fail "could not break clinic.yaml"
status=0
"$mynaq" --config "$scratch/broken.yaml" --json config check >/dev/null 2>&1 || status=$?
((status == 78)) || fail "config check of a broken clinic.yaml: exit $status, not 78"

# --- 2. the shell scripts --------------------------------------------------------------------

for script in "$examples"/*.sh; do
    [[ -x $script ]] || fail "${script#"$source_dir"/} is not executable"
    shellcheck "$script" || fail "shellcheck ${script#"$source_dir"/}"
done

# --- 3. the systemd unit -----------------------------------------------------------------------

unit=$examples/mynaq-elig-watch.service
# The keys the examples and their comments rely on, whatever systemd says.
for key in 'ExecStart=[^ ]*/mynaq --config [^ ]* --json elig watch$' '^UMask=0077$' \
    '^Restart=on-failure$' '^User=mynaq$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' \
    '^PrivateTmp=yes$' '^StateDirectory=mynaq$' '^ReadWritePaths=.*/mnt/oqs' \
    '^ReadWritePaths=.*/var/lib/mynaq' '^KillSignal=SIGTERM$' '^TimeoutStopSec=' \
    '^StandardOutput=null$'; do
    grep -qE -e "$key" "$unit" || fail "${unit##*/} has no line matching '$key'"
done
if command -v systemd-analyze >/dev/null; then
    # verify wants ExecStart's binary to exist; the man page named in Documentation= need not.
    mkdir -p "$scratch/unit"
    sed "s#^ExecStart=[^ ]*#ExecStart=$mynaq#" "$unit" >"$scratch/unit/${unit##*/}"
    # It only warns (exit 0) about unknown keys or sections: any output is a failure.
    if ! systemd-analyze verify --man=no "$scratch/unit/${unit##*/}" >"$scratch/verify.out" 2>&1 ||
        [[ -s $scratch/verify.out ]]; then
        fail "systemd-analyze verify ${unit##*/}:"
        sed 's/^/  /' "$scratch/verify.out" >&2
    fi
else
    fail "systemd-analyze is not installed (scripts/install-deps.sh installs systemd)"
fi

# --- 4. 一括照会 from the reservations, against the emulated 資格確認端末 -------------------------

oqs=$scratch/oqs
mkdir -p "$oqs"
cat >"$scratch/batch.yaml" <<EOF
lang: ja
facility:
  code: "1312345678"
  name: "模擬クリニック"
oqs:
  transport: folder
  folder:
    root: $oqs
    poll_ms: 50
    timeout_s: 20
    bulk_timeout_s: 60
    stable_read_ms: 50
store:
  path: $scratch/batch-store.db
EOF

"$mynaq" sim oqs --root "$oqs" --people "$examples/people.yaml" --json \
    >"$scratch/sim.out" 2>"$scratch/sim.err" &
sim_pid=$!
for _ in $(seq 100); do
    grep -q '"event":"ready"' "$scratch/sim.out" 2>/dev/null && break
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.1
done
sim_ready=false
if grep -q '"event":"ready"' "$scratch/sim.out"; then
    sim_ready=true
else
    fail "mynaq sim oqs did not start; batch-from-reservations.sh not run:"
    sed 's/^/  /' "$scratch/sim.out" "$scratch/sim.err" >&2
fi

batch=$examples/batch-from-reservations.sh
reservations=$examples/reservations.csv
rows=$(($(wc -l <"$reservations") - 1))
# The names the emulator knows: none may reach the script's output (cron mails it).
people_names() { grep -oE '^    name: .*' "$examples/people.yaml" | sed 's/^    name: //'; }

run_batch() {
    local status=0
    MYNAQ_CONFIG=$scratch/batch.yaml bash "$batch" "$@" >"$scratch/batch.out" 2>"$scratch/batch.err" ||
        status=$?
    echo "$status"
}

# The reservations for tomorrow, the default: C0005's coverage ended in 2024 (people.yaml), the
# other four are in force, so one row is 異常 and the exit status 1.
check_batch() {
    local status json text tomorrow name
    status=$(run_batch --out "$scratch/batch" --interval 0.1 "$reservations")
    tomorrow=$(TZ=JST-9 date -d tomorrow +%Y-%m-%d)
    json=$scratch/batch/batch-$tomorrow.json
    text=$scratch/batch/batch-$tomorrow.txt
    if [[ $status != 1 ]]; then
        fail "batch-from-reservations.sh: exit $status, not 1 (one row 異常)"
        sed 's/^/  /' "$scratch/batch.out" "$scratch/batch.err" >&2
    fi
    expect_private_file "$json"
    expect_private_file "$text"
    [[ $(mode_of "$scratch/batch") == 700 ]] || fail "batch/ has mode $(mode_of "$scratch/batch")"
    if jq -e . "$json" >/dev/null 2>&1; then
        [[ $(jq '.rows | length' "$json") == "$rows" ]] ||
            fail "batch JSON has $(jq '.rows | length' "$json") rows, reservations.csv $rows"
        [[ $(jq '.total' "$json") == "$rows" ]] || fail "batch JSON: total $(jq '.total' "$json")"
        [[ $(jq -c '[.normal, .abnormal]' "$json") == '[4,1]' ]] ||
            fail "batch JSON: normal/abnormal $(jq -c '[.normal, .abnormal]' "$json"), not [4,1]"
        [[ $(jq -r '[.rows[].chart_id] | join(",")' "$json") == \
            "$(tail -n +2 "$reservations" | cut -d, -f1 | paste -sd,)" ]] ||
            fail "batch JSON: chart ids $(jq -c '[.rows[].chart_id]' "$json")"
        [[ $(jq -r '.rows[] | select(.chart_id == "C0005") | .eligibility' "$json") == invalid ]] ||
            fail "batch JSON: C0005 is not invalid"
    else
        fail "batch-$tomorrow.json is not JSON"
    fi
    grep -q "^$rows件: 正常 4件, 異常 1件" "$text" 2>/dev/null ||
        fail "batch summary: $(head -n 1 "$text" 2>/dev/null)"
    grep -q "^$rows件: 正常 4件, 異常 1件" "$scratch/batch.out" || fail "batch stdout lacks the counts"
    # Counts only: neither a name nor a chart id (the files hold those).
    while read -r name; do
        if grep -qF -e "$name" "$scratch/batch.out" "$scratch/batch.err"; then
            fail "batch-from-reservations.sh printed $name (a patient's name or chart id)"
        fi
    done < <(people_names; tail -n +2 "$reservations" | cut -d, -f1)

    # The same file and day again: replayed from the store, even with the terminal gone.
    kill "$sim_pid"
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=
    status=$(run_batch --out "$scratch/batch" "$reservations")
    [[ $status == 1 ]] || fail "batch-from-reservations.sh run again: exit $status, not 1"
    [[ $(jq '.rows | length' "$json" 2>/dev/null) == "$rows" ]] || fail "batch JSON after the replay"
}
if $sim_ready; then
    check_batch
fi

# Wrong arguments are 64, a missing CSV 66 (as mynaq's FILE_NOT_FOUND); a CSV mynaq cannot read is its 65 (before anything is sent), kept in
# a private .error.json.
status=$(run_batch --out "$scratch/batch" --date 2026-02-30 "$reservations")
[[ $status == 64 ]] || fail "batch-from-reservations.sh --date 2026-02-30: exit $status, not 64"
status=$(run_batch --out "$scratch/batch" "$scratch/no-such.csv")
[[ $status == 66 ]] || fail "batch-from-reservations.sh with a missing CSV: exit $status, not 66"
printf 'chart_id,insurer_number,symbol,number,branch,birthdate\nC9,0613999,1,2,01,1980-01-01\n' \
    >"$scratch/bad.csv"
status=$(run_batch --out "$scratch/batch" --date 2026-12-24 "$scratch/bad.csv")
[[ $status == 65 ]] || fail "batch-from-reservations.sh with a bad row: exit $status, not 65"
expect_private_file "$scratch/batch/batch-2026-12-24.error.json"
[[ ! -e $scratch/batch/batch-2026-12-24.json ]] || fail "a failed batch wrote a result"
if compgen -G "$scratch/batch/*.json.*" >/dev/null || compgen -G "$scratch/batch/*.txt.*" >/dev/null; then
    fail "batch-from-reservations.sh left temporary files: $(ls "$scratch/batch")"
fi

# --- 5. the monthly report ---------------------------------------------------------------------

cat >"$scratch/report.yaml" <<EOF
lang: ja
facility:
  code: "1310123456"
  name: "さくら内科クリニック"
store:
  path: $scratch/report-store.db
report:
  type: medical
  flags: [e_prescription]
EOF
"$mynaq" --config "$scratch/report.yaml" report receipts import "$examples/receipts.csv" \
    >/dev/null 2>"$scratch/import.err" || { fail "report receipts import:"; cat "$scratch/import.err" >&2; }

monthly=$examples/monthly-report.sh
status=0
MYNAQ_CONFIG=$scratch/report.yaml bash "$monthly" --month 2026-10 "$scratch/reports/2026-10" \
    >"$scratch/monthly.out" 2>"$scratch/monthly.err" || status=$?
if ((status != 0)); then
    fail "monthly-report.sh --month 2026-10: exit $status"
    sed 's/^/  /' "$scratch/monthly.out" "$scratch/monthly.err" >&2
fi
out=$scratch/reports/2026-10
for f in usage-2026-10.csv usage-2026-10.html level-2026-11.json; do
    expect_private_file "$out/$f"
done
[[ $(mode_of "$out") == 700 ]] || fail "the report directory has mode $(mode_of "$out")"
# The CSV names the site and the month, with the receipts imported for it (1,012).
grep -q '^1310123456,さくら内科クリニック,2026-10,0,1012,' "$out/usage-2026-10.csv" ||
    fail "usage-2026-10.csv: $(sed -n 2p "$out/usage-2026-10.csv")"
# A page with the chart, naming the month.
if ! grep -qi '^<!doctype html' "$out/usage-2026-10.html" || ! grep -q '<svg' "$out/usage-2026-10.html"; then
    fail "usage-2026-10.html is not the HTML report with its chart"
fi
grep -q '2026-10' "$out/usage-2026-10.html" || fail "usage-2026-10.html does not name 2026-10"
[[ $(jq -r '.month' "$out/level-2026-11.json" 2>/dev/null) == 2026-11 ]] ||
    fail "level-2026-11.json is not the level of 2026-11"
[[ $(jq -r '.sites[0].site.code' "$out/level-2026-11.json" 2>/dev/null) == 1310123456 ]] ||
    fail "level-2026-11.json is not for the site 1310123456"

# Without arguments: the previous month (JST) into $MYNAQ_REPORT_DIR.
previous=$(TZ=JST-9 date -d "$(TZ=JST-9 date +%Y-%m-01) -1 month" +%Y-%m)
status=0
MYNAQ_CONFIG=$scratch/report.yaml MYNAQ_REPORT_DIR=$scratch/reports/default bash "$monthly" \
    >"$scratch/monthly.out" 2>"$scratch/monthly.err" || status=$?
((status == 0)) || fail "monthly-report.sh without arguments: exit $status"
expect_private_file "$scratch/reports/default/usage-$previous.csv"

# A step that fails fails the script, with mynaq's status, and leaves no half file behind.
status=0
MYNAQ_CONFIG=$scratch/broken.yaml bash "$monthly" --month 2026-10 "$scratch/reports/broken" \
    >/dev/null 2>&1 || status=$?
((status == 78)) || fail "monthly-report.sh with a broken configuration: exit $status, not 78"
if [[ -n $(ls -A "$scratch/reports/broken" 2>/dev/null) ]]; then
    fail "monthly-report.sh failed but wrote: $(ls "$scratch/reports/broken")"
fi
status=0
bash "$monthly" --month 2026-13 "$scratch/reports/x" >/dev/null 2>&1 || status=$?
((status == 64)) || fail "monthly-report.sh --month 2026-13: exit $status, not 64"

if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "ok"

#!/usr/bin/env bash
# 一括照会 of the next visit day's reservations, so reception knows before the patients arrive
# whose coverage has ended (無効) or changed, and can ask them for their new card or
# 資格確認書 at the desk.
#
#   batch-from-reservations.sh [--date YYYY-MM-DD] [--out DIR] [--interval SECONDS] CSV
#
# CSV is the reservations list exported by the レセコン or the reservation system, one row per
# patient with a header row; examples/reservations.csv shows the format:
#
#   chart_id,insurer_number,symbol,number,branch,birthdate,limit_consent
#   C0001,06139992,1234,5678,01,1980-01-01,0
#
# chart_id comes back with each result, so rows are matched to patients without names;
# insurer_number is the 6- or 8-digit 保険者番号; symbol and branch may be empty; birthdate
# is YYYY-MM-DD or YYYYMMDD; limit_consent (0/1, optional) asks for 限度額 information for
# patients who agreed to it. UTF-8 (with or without BOM) or Shift_JIS. See mynaq-elig(1).
#
# --date is the 資格確認日, the day the coverage must be valid on: default tomorrow (JST). On
# Saturday for Monday, give --date. --out is where results go: default $MYNAQ_BATCH_DIR, else
# /var/lib/mynaq/batch. For each date it writes (mode 0600, replacing an earlier run's):
#
#   batch-YYYY-MM-DD.json   the result of `mynaq elig batch --json`: per row its chart_id,
#                           eligibility (valid, invalid, ...) and the stored check's id
#   batch-YYYY-MM-DD.txt    the same for people: "n件: 正常 x件, 異常 y件" and one line per row
#
# or, when mynaq fails, batch-YYYY-MM-DD.error.json with its error (the earlier result stays).
#
# Environment: MYNAQ, the mynaq binary (default: mynaq on PATH); MYNAQ_CONFIG, a configuration
# file passed as --config (default: mynaq's own search, /etc/xdg/mynaq/config.yaml).
#
# Running it again for the same file and date does not ask the system again: mynaq keeps the
# job in the store and resumes or replays it (a job cut off by a reboot picks up where it
# stopped). A changed file is a new job.
#
# Exit status, passed through from `mynaq elig batch` (mynaq(1), mynaq-elig(1)):
#   0   every row 正常 (coverage valid on that day)
#   1   the system answered, but some rows are 異常: see the .txt file and call those patients
#   64  a wrong argument: no CSV, a date that is not a date
#   65  DATA_INVALID: a row of the CSV cannot be read (its line is in the .error.json);
#       nothing was sent
#   66  FILE_NOT_FOUND: the CSV does not exist
#   74  STORE_ERROR: the store cannot be opened or written
#   75  OQS_TIMEOUT / NETWORK_ERROR: no answer within oqs.folder.bulk_timeout_s; run again
#       later, it resumes the job
#   76  OQS_FAILED / TLS_ERROR: the system refused the request
#   77  AUTH_FAILED: the Web API refused the login
#   78  CONFIG_INVALID: e.g. facility.code or oqs.folder.root is not set
# Only counts and file names are printed: cron mails stdout, and a patient has no business in
# a mailbox.
set -euo pipefail

usage() {
    echo "usage: ${0##*/} [--date YYYY-MM-DD] [--out DIR] [--interval SECONDS] CSV" >&2
    exit 64
}

mynaq=${MYNAQ:-mynaq}
date=
outdir=${MYNAQ_BATCH_DIR:-/var/lib/mynaq/batch}
interval=()
csv=
while (($# > 0)); do
    case $1 in
        --date | --out | --interval)
            (($# >= 2)) || usage
            case $1 in
                --date) date=$2 ;;
                --out) outdir=$2 ;;
                --interval) interval=(--interval "$2") ;;
            esac
            shift 2
            ;;
        -h | --help | -*) usage ;;
        *)
            [[ -z $csv ]] || usage
            csv=$1
            shift
            ;;
    esac
done
[[ -n $csv ]] || usage
[[ -f $csv ]] || { echo "${0##*/}: no such file: $csv" >&2; exit 66; }

# The visit day is a Japanese day, whatever the machine's zone (no summer time in Japan, so
# the fixed offset needs no tzdata). GNU date also checks a given date is a real one.
if [[ -z $date ]]; then
    date=$(TZ=JST-9 date -d tomorrow +%Y-%m-%d)
elif ! [[ $date =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || ! date -d "$date" >/dev/null 2>&1; then
    echo "${0##*/}: --date must be a date like 2026-12-01, not '$date'" >&2
    exit 64
fi

# Results name patients' coverage: owner only, from the directory down.
umask 077
mkdir -p -- "$outdir"
json=$outdir/batch-$date.json
text=$outdir/batch-$date.txt

config=()
if [[ -n ${MYNAQ_CONFIG:-} ]]; then
    config=(--config "$MYNAQ_CONFIG")
fi

tmp_json=$(mktemp "$json.XXXXXX")
tmp_text=$(mktemp "$text.XXXXXX")
trap 'rm -f -- "$tmp_json" "$tmp_text"' EXIT

# 0 and 1 are both answers from the system; anything else is a failure to get one.
status=0
"$mynaq" "${config[@]}" --json elig batch --csv "$csv" --date "$date" "${interval[@]}" \
    >"$tmp_json" || status=$?
if ((status > 1)); then
    mv -f -- "$tmp_json" "$outdir/batch-$date.error.json"
    echo "一括照会 for $date failed (exit $status): see $outdir/batch-$date.error.json" >&2
    exit "$status"
fi

mv -f -- "$tmp_json" "$json"

# The human summary replays the stored job (nothing is sent again), in the configured
# language; it answers 0 or 1 like the first run, anything else is a failure of its own.
replay=0
"$mynaq" "${config[@]}" elig batch --csv "$csv" --date "$date" "${interval[@]}" \
    >"$tmp_text" || replay=$?
if ((replay > 1)); then
    echo "一括照会 for $date: $json written, but the summary failed (exit $replay)" >&2
    exit "$replay"
fi
mv -f -- "$tmp_text" "$text"

head -n 1 -- "$text"
echo "results: $json $text"
exit "$status"

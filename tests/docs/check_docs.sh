#!/usr/bin/env bash
# Fails when the man pages or the checked-in shell completions no longer follow the command
# tree that the mynaq binary itself reports (`mynaq completions list|bash|zsh|fish`).
#
#   check_docs.sh completions MYNAQ SOURCE_DIR SHELL   generated script == checked-in file
#   check_docs.sh man-options MYNAQ SOURCE_DIR         every path and long option documented
#   check_docs.sh man-roff    MYNAQ SOURCE_DIR BUILT   pandoc output == checked-in roff
#   check_docs.sh bash        MYNAQ SOURCE_DIR         the bash script completes
#   check_docs.sh zsh|fish    MYNAQ SOURCE_DIR         the same in zsh / fish (77: skipped)
set -euo pipefail

mode=$1 mynaq=$2 source_dir=$3
shift 3

# The user's configuration must not change what the binary prints, nor break it.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME=$scratch XDG_CONFIG_DIRS=$scratch LC_ALL=C.UTF-8

completion_file() {
    case $1 in
        bash) echo "$source_dir/completions/mynaq.bash" ;;
        zsh) echo "$source_dir/completions/_mynaq" ;;
        fish) echo "$source_dir/completions/mynaq.fish" ;;
    esac
}

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

check_completions() {
    local shell=$1 file
    file=$(completion_file "$shell")
    "$mynaq" completions "$shell" >"$scratch/generated"
    if ! diff -u "$file" "$scratch/generated"; then
        fail "$file is stale; run: cmake --build <build dir> --target completions-update"
    fi
}

# True when Markdown file $1 mentions $2 as a whole word (backslash escapes ignored). The
# stripped copy is a file: `tr | grep -q` would fail under pipefail when grep quits early.
mentions() {
    local pattern plain=$scratch/${1##*/}
    # shellcheck disable=SC1003 # a literal backslash
    [[ -f $plain ]] || tr -d '\\' <"$1" >"$plain"
    pattern=$(printf '%s' "$2" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
    grep -qE -e "(^|[^A-Za-z0-9_-])${pattern}([^A-Za-z0-9_-]|$)" "$plain"
}

check_man_options() {
    local man=$source_dir/man command options words page
    "$mynaq" completions list >"$scratch/list"
    [[ -s $scratch/list ]] || fail "mynaq completions list printed nothing"
    while IFS=$'\t' read -r command options; do
        read -ra words <<<"$command"
        if ((${#words[@]} == 1)); then
            page=$man/mynaq.1.md  # global options
        else
            page=$man/mynaq-${words[1]}.1.md
            [[ -f $page ]] || { fail "no man page $page for '$command'"; continue; }
            mentions "$page" "$command" || fail "'$command' is not in ${page##*/}"
            if ((${#words[@]} == 2)); then
                mentions "$man/mynaq.1.md" "$command" || fail "'$command' is not in mynaq.1.md"
            fi
        fi
        for option in $options; do
            mentions "$page" "$option" || fail "'$command $option' is not in ${page##*/}"
        done
    done <"$scratch/list"
}

check_man_roff() {
    local built=$1 page
    for page in "$source_dir"/man/*.1.md; do
        page=$(basename "$page" .md)
        if ! diff -u "$source_dir/man/$page" "$built/$page"; then
            fail "man/$page is stale; run: cmake --build <build dir> --target man-update"
        fi
    done
}

# expect NAME ACTUAL WANTED...: every wanted word is among the completions.
expect() {
    local name=$1 actual=$2 word
    shift 2
    for word in "$@"; do
        [[ " $actual " == *" $word "* ]] || fail "[$name] gave '$actual', missing '$word'"
    done
}

# expect_only NAME ACTUAL WANTED: exactly these completions.
expect_only() {
    [[ $2 == "$3" ]] || fail "[$1] gave '$2', wanted '$3'"
}

# Completes LINE (the cursor at its end) with the bash script, as readline would.
bash_complete() {
    bash --norc --noprofile -c '
        source "$1"
        line=$2
        read -ra COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _mynaq 2>/dev/null
        echo "${COMPREPLY[*]}"' bash "$(completion_file bash)" "$1"
}

check_bash() {
    expect_only "mynaq ca" "$(bash_complete 'mynaq ca')" "card"
    expect "mynaq card " "$(bash_complete 'mynaq card ')" doctor info readers
    expect_only "mynaq --lang " "$(bash_complete 'mynaq --lang ')" "ja en"
    expect "mynaq card apdu --app " "$(bash_complete 'mynaq card apdu --app ')" jpki
    # An option's value is not a subcommand: this is still the top level.
    expect "mynaq --reader card " "$(bash_complete 'mynaq --reader card ')" card sim demo
    expect "mynaq card info --w" "$(bash_complete 'mynaq card info --w')" --wait
    expect_only "mynaq --lang=e" "$(bash_complete 'mynaq --lang=e')" "--lang=en"
    expect_only "mynaq completions" "$(bash_complete 'mynaq completions')" ""
    write_sites_config
    expect_only "report usage --site" "$(bash_complete "$mynaq report usage --site ")" \
        "1312345678 1398765432"
    expect_only "report level --site 139" "$(bash_complete "$mynaq report level --site 139")" \
        "1398765432"
}

# A configuration with two facilities, found by the XDG search, for --site completion.
write_sites_config() {
    mkdir -p "$scratch/mynaq"
    cat >"$scratch/mynaq/config.yaml" <<'YAML'
facility:
  code: "1312345678"
  name: みなと内科クリニック
report:
  sites:
    - code: "1398765432"
      name: みなと内科 分院
YAML
}

# zsh completion needs a live line editor; stubs for compadd and _describe print what the
# script would offer, which is enough to check how it walks the words.
zsh_complete() {
    zsh -f -c '
        _describe() { local -a a; a=(${(P)${@[-1]}}); print -r -- ${a%%:*}; }
        compadd() { [[ $1 == -a ]] && { print -r -- ${(P)2}; return }; shift; print -r -- "$@"; }
        compset() { PREFIX=${PREFIX#*=}; }
        _files() { print _files; }
        source "$1" >/dev/null
        words=("${(@s: :)2}")
        CURRENT=$#words
        PREFIX=$words[-1]
        _mynaq' zsh "$(completion_file zsh)" "$1"
}

check_zsh() {
    command -v zsh >/dev/null || { echo "zsh is not installed: skipped"; exit 77; }
    expect "mynaq card " "$(zsh_complete 'mynaq card ')" doctor info readers
    expect_only "mynaq --lang " "$(zsh_complete 'mynaq --lang ')" "ja en"
    expect "mynaq card apdu --app " "$(zsh_complete 'mynaq card apdu --app ')" jpki
    expect "mynaq --reader card " "$(zsh_complete 'mynaq --reader card ')" card sim demo
    expect "mynaq --config " "$(zsh_complete 'mynaq --config ')" _files
    write_sites_config
    expect "report usage --site" "$(zsh_complete "$mynaq report usage --site ")" \
        1312345678 1398765432
}

fish_complete() {
    # shellcheck disable=SC2016 # fish expands $argv
    fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$(completion_file fish)" "$1" |
        cut -f1 | tr '\n' ' ' | sed 's/ $//'
}

check_fish() {
    command -v fish >/dev/null || { echo "fish is not installed: skipped"; exit 77; }
    expect_only "mynaq ca" "$(fish_complete 'mynaq ca')" "card"
    expect "mynaq card " "$(fish_complete 'mynaq card ')" doctor info readers
    expect "mynaq --lang " "$(fish_complete 'mynaq --lang ')" ja en
    expect "mynaq card apdu --app " "$(fish_complete 'mynaq card apdu --app ')" jpki
    expect "mynaq --reader card " "$(fish_complete 'mynaq --reader card ')" card sim demo
    # `card` under `sim` is the virtual card, not the group.
    expect_only "mynaq sim card --ho" "$(fish_complete 'mynaq sim card --ho')" "--host"
    write_sites_config
    expect_only "report usage --site" "$(fish_complete "$mynaq report usage --site ")" \
        "1312345678 1398765432"
}

case $mode in
    completions) check_completions "$1" ;;
    man-options) check_man_options ;;
    man-roff) check_man_roff "$1" ;;
    bash) check_bash ;;
    zsh) check_zsh ;;
    fish) check_fish ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "ok"

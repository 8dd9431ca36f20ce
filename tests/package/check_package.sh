#!/usr/bin/env bash
# Packaging checks on a finished build directory:
#   check_package.sh install BUILD_DIR   `cmake --install` lays out bin/, libexec/, share/ and
#                                        the installed mynaq runs from there, face match included
#   check_package.sh deb BUILD_DIR       `cpack -G DEB`: control fields, contents, and every
#                                        library the executables link named in Depends
set -euo pipefail

mode=$1 build=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME=$scratch/xdg XDG_CONFIG_DIRS=$scratch/xdg XDG_DATA_HOME=$scratch/data
export LC_ALL=C.UTF-8
unset MYNAQ_DATADIR MYNAQ_FACE_HELPER MYNAQ_FACE_MODEL_DIR

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
need() {  # need PATH...: each exists
    local path
    for path; do [[ -e $path ]] || fail "missing $path"; done
}

# The installed tree under PREFIX must work on its own: the helper and the data are found
# beside the binary, not in the build or source tree.
check_installed_tree() {
    local prefix=$1 version features
    need "$prefix/bin/mynaq" "$prefix/libexec/mynaq/mynaq-face" \
        "$prefix/share/mynaq/trust/jpki" "$prefix/share/mynaq/oqs/codes.yaml" \
        "$prefix/share/mynaq/rules/dx-kasan.yaml" "$prefix/share/mynaq/sim/face.jp2" \
        "$prefix/share/mynaq/face/face_recognition_model.bin" \
        "$prefix/share/mynaq/face/face_recognition_model-weights_manifest.json" \
        "$prefix/share/bash-completion/completions/mynaq" \
        "$prefix/share/zsh/vendor-completions/_mynaq" \
        "$prefix/share/fish/vendor_completions.d/mynaq.fish" \
        "$prefix/share/doc/mynaq/README.md" \
        "$prefix/share/doc/mynaq/examples/clinic.yaml" \
        "$prefix/share/doc/mynaq/examples/pharmacy.yaml" \
        "$prefix/share/doc/mynaq/examples/mynaq-elig-watch.service"
    local page pages=0
    for page in "$(dirname "$0")"/../../man/*.1.md; do
        [[ -f $page ]] || continue
        need "$prefix/share/man/man1/$(basename "$page" .md)"
        pages=$((pages + 1))
    done
    ((pages >= 13)) || fail "only $pages man pages checked"
    [[ -x $prefix/share/doc/mynaq/examples/monthly-report.sh ]] ||
        fail "examples/monthly-report.sh is not executable when installed"

    version=$("$prefix/bin/mynaq" --version) || fail "installed mynaq --version failed"
    features=$(sed -n 2p <<<"$version")
    [[ $features == *"face ($prefix/libexec/mynaq/mynaq-face)"* ]] ||
        fail "installed mynaq does not find its face helper: $features"

    # Data from the installed share/mynaq: the face models, then a real face check with them.
    local check
    check=$("$prefix/bin/mynaq" --config /dev/null --json config check || true)
    [[ $(jq -r .face.model_dir <<<"$check") == "$prefix/share/mynaq/face" ]] ||
        fail "installed mynaq looks for face models elsewhere: $(jq -c .face <<<"$check")"
    local face
    face=$("$prefix/bin/mynaq" --json face check --image "$prefix/share/mynaq/sim/live.jpg") ||
        fail "installed mynaq face check failed: $face"
    [[ $(jq -r '.faces, .ok' <<<"$face" | tr '\n' ' ') == '1 true ' ]] ||
        fail "installed face check did not pass: $(head -c 300 <<<"$face")"
    bash -c "source '$prefix/share/bash-completion/completions/mynaq'" ||
        fail "the installed bash completion does not load"
}

check_install() {
    cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
    check_installed_tree "$scratch/prefix"
    echo "installed tree: $(find "$scratch/prefix" -type f | wc -l) files"
}

# The package a clinic would install: metadata, contents, dependencies.
check_deb() {
    (cd "$build" && cpack -G DEB -B "$scratch/pkg" >/dev/null)
    local deb
    deb=$(ls "$scratch"/pkg/mynaq_*_amd64.deb)
    local version package depends recommends
    version=$("$build/cmd/mynaq" --version | sed -n '1s/^mynaq \([^ ]*\) .*/\1/p')
    package=$(dpkg-deb -f "$deb" Package)
    [[ $package == mynaq ]] || fail "Package is '$package'"
    [[ $(dpkg-deb -f "$deb" Version) == "$version" ]] ||
        fail "Version $(dpkg-deb -f "$deb" Version) is not mynaq --version's $version"
    depends=$(dpkg-deb -f "$deb" Depends)
    recommends=$(dpkg-deb -f "$deb" Recommends)
    [[ $recommends == *pcscd* && $recommends == *libdlib-data* ]] ||
        fail "Recommends lacks pcscd or libdlib-data: $recommends"
    echo "Depends: $depends"

    # Every shared library either executable needs directly comes from a package in Depends.
    dpkg-deb -x "$deb" "$scratch/root"
    local exe lib path owner names
    names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*)//; s/ //g' | sort -u)
    for exe in "$scratch/root/usr/bin/mynaq" "$scratch/root/usr/libexec/mynaq/mynaq-face"; do
        need "$exe"
        file "$exe" | grep -q ', stripped' || fail "$exe is not stripped"
        for lib in $(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            path=$(ldd "$exe" | awk -v l="$lib" '$1 == l { print $3 }')
            [[ -n $path ]] || { fail "$lib of $exe does not resolve"; continue; }
            owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1) ||
                owner=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1)
            [[ -n $owner ]] || { fail "no package owns $path ($lib)"; continue; }
            grep -qx "$owner" <<<"$names" || fail "$lib ($owner) of ${exe##*/} is not in Depends"
        done
    done
    check_installed_tree "$scratch/root/usr"

    # apt can satisfy the package on this Debian without removing anything.
    local plan
    plan=$(apt-get -s install "$deb" 2>&1) || fail "apt-get -s install failed: $plan"
    grep -q '^Inst mynaq ' <<<"$plan" || fail "apt would not install mynaq: $plan"
    grep -q '^Remv ' <<<"$plan" && fail "installing mynaq would remove packages: $plan"
    echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
}

case $mode in
    install) check_install ;;
    deb) check_deb ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo ok

#!/usr/bin/env bash
# Installs what mynaq needs to build, run its demo and run its tests on Debian 12.
# Idempotent: installs only what is missing; apt lists are refreshed only when needed.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  libcli11-dev libfmt-dev libpcsclite-dev libssl-dev libcurl4-openssl-dev
  libyaml-cpp-dev nlohmann-json3-dev doctest-dev
  libxml2-dev libsqlite3-dev libzip-dev libcpp-httplib-dev
  # run: PC/SC daemon and the virtual reader driver
  pcscd vsmartcard-vpcd openssl
  # tests and benchmarks: peers, fuzzing, JPEG 2000 tools
  pcsc-tools opensc clang libclang-rt-14-dev libopenjp2-tools clang-format
  sqlite3 zip tmux
  # examples/ and packaging: script lint, JSON checks, the systemd unit's verifier, ELF types
  shellcheck jq systemd file
  # store: PostgreSQL server for the shared-store tests
  libpq-dev postgresql
  # documentation: man pages from Markdown, completion tests in every shell we ship for
  pandoc zsh fish
  # printed forms (被保険者資格申立書): headless Chromium renders them with Japanese fonts
  # (DejaVu for the checkboxes); poppler reads the PDFs back in the tests
  chromium fonts-noto-cjk fonts-dejavu-core poppler-utils
  # usage report chart: the tests decode Chromium's PNG screenshots
  libpng-dev
  # face match: OpenCV (JPEG 2000 through OpenJPEG, dnn, V4L2), dlib and its 68-point
  # landmark model; npm fetches the recognition weights (scripts/fetch-face-model.sh)
  libopencv-dev libdlib-dev libdlib-data libopenjp2-7-dev
)
# npm: the machine's own Node.js (often NodeSource's, which ships npm itself) when present,
# Debian's otherwise; installing Debian's npm beside NodeSource's nodejs would conflict.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "mynaq: missing packages: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  echo "mynaq: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/fetch-face-model.sh

#!/usr/bin/env bash
# Fetches the face-recognition weights (dlib's ResNet-29 as shipped in the MIT-licensed npm
# package @vladmandic/face-api 1.7.15) into data/face/, where the build tree and
# `cmake --install` (share/mynaq/face) find them. The tarball is pinned by sha256 and kept in
# .cache/npm/ for the tests, which also use its demo photos. Idempotent; needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.7.15
tarball_sha256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
model_sha256=(
  "face_recognition_model.bin b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589"
  "face_recognition_model-weights_manifest.json cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b"
)
cache=.cache/npm
tarball=$cache/vladmandic-face-api-$version.tgz
target=data/face

have_model() {
  for entry in "${model_sha256[@]}"; do
    set -- $entry
    [[ -f $target/$1 ]] || return 1
    sha256sum "$target/$1" | grep -q "^$2 " || return 1
  done
}

if [[ ! -f $tarball ]] || ! echo "$tarball_sha256  $tarball" | sha256sum -c --quiet 2>/dev/null; then
  mkdir -p "$cache"
  echo "mynaq: fetching @vladmandic/face-api@$version from npm" >&2
  (cd "$cache" && npm pack --silent "@vladmandic/face-api@$version" >/dev/null)
  echo "$tarball_sha256  $tarball" | sha256sum -c --quiet ||
    { echo "mynaq: face-api tarball checksum mismatch" >&2; rm -f "$tarball"; exit 1; }
fi

if [[ ! -d $cache/face-api/package ]]; then
  rm -rf "$cache/face-api.tmp" && mkdir -p "$cache/face-api.tmp"
  tar -xzf "$tarball" -C "$cache/face-api.tmp"
  rm -rf "$cache/face-api" && mv "$cache/face-api.tmp" "$cache/face-api"
fi

if ! have_model; then
  mkdir -p "$target"
  for entry in "${model_sha256[@]}"; do
    set -- $entry
    install -m 0644 "$cache/face-api/package/model/$1" "$target/$1"
  done
  have_model || { echo "mynaq: face model checksum mismatch" >&2; exit 1; }
  install -m 0644 "$cache/face-api/package/LICENSE" "$target/LICENSE.face-api"
fi

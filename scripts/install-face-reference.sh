#!/usr/bin/env bash
# Installs the Node.js reference for the face descriptors (face-api itself on the pure-JS tfjs
# cpu backend) into .cache/face-ref/, for tests/face/faceapi_reference.cjs and the face
# benchmark. No native addon (tfjs-node) and no wasm backend: the reference must run on any
# Node 20 without a compiler, and the cpu backend is the slow but exact oracle we want.
# Idempotent and quiet on success; needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/fetch-face-model.sh

tfjs_version=4.22.0
faceapi_version=1.7.15
faceapi_tarball=.cache/npm/vladmandic-face-api-$faceapi_version.tgz
ref=.cache/face-ref

# Prints the version field of an installed package, or nothing if it is absent or unreadable.
installed_version() {
  local manifest=$ref/node_modules/$1/package.json
  [[ -f $manifest ]] || return 0
  node -e 'try { process.stdout.write(String(require(process.argv[1]).version)); } catch {}' \
    "$(realpath "$manifest")"
}

is_complete() {
  [[ $(installed_version @tensorflow/tfjs) == "$tfjs_version" ]] &&
    [[ $(installed_version @vladmandic/face-api) == "$faceapi_version" ]] &&
    [[ -f $ref/node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js ]]
}

if ! is_complete; then
  echo "mynaq: installing the face-api reference into $ref" >&2
  mkdir -p "$ref"
  # A fresh package.json keeps earlier, possibly different dependency sets from lingering.
  echo '{"name":"mynaq-face-ref","private":true}' >"$ref/package.json"
  rm -rf "$ref/node_modules" "$ref/package-lock.json"
  (cd "$ref" && npm install --silent --no-audit --no-fund --ignore-scripts --save-exact \
    "@tensorflow/tfjs@$tfjs_version" "../npm/${faceapi_tarball##*/}" >/dev/null)
  is_complete || { echo "mynaq: face-api reference install incomplete in $ref" >&2; exit 1; }
fi

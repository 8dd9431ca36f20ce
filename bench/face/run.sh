#!/usr/bin/env bash
# Face benchmark: mynaq's face match against face-api (FaceRecognitionNet on tfjs-cpu, the
# implementation the recognition weights were published for), on the same chips in one run:
#   1. model load: face::Engine (68-point landmark model + recognition net), median of 5
#   2. verify per pair after load (card photo data/sim/face.jp2 against each live image),
#      images decoded beforehand; goal ≤ 80 ms median on 2 cores
#   3. embedding per aligned 150×150 chip, mynaq vs face-api; goal ≥ 10× faster. Every
#      descriptor must agree with face-api's within 1e-4 per component, else the script fails.
#   4. the whole command `mynaq face verify --card-photo … --live … --json` (process start,
#      model load, decode, verify), median of a bash loop
# 1–3 come from bench/face/bench_face.cpp (mynaq_bench_face), which writes the chips it used;
# face-api runs on exactly those bytes (tests/face/faceapi_reference.cjs).
# Prints a markdown report and writes it to bench/face/results.md.
# Environment: MYNAQ_BENCH_BUILD_DIR (default build-bench), MYNAQ_BENCH_RUNS (50),
# MYNAQ_BENCH_FACEAPI_REPEAT (3), MYNAQ_BENCH_CLI_RUNS (10), MYNAQ_BENCH_JOBS (2, build
# parallelism), MYNAQ_BENCH_KEEP=1 keeps the work directory (chips, JSON).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${MYNAQ_BENCH_BUILD_DIR:-$root/build-bench}
runs=${MYNAQ_BENCH_RUNS:-50}
repeat=${MYNAQ_BENCH_FACEAPI_REPEAT:-3}
cli_runs=${MYNAQ_BENCH_CLI_RUNS:-10}
jobs=${MYNAQ_BENCH_JOBS:-2}
say() { echo "bench: $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

command -v node >/dev/null || die "node (20 or later) is needed for the face-api reference"
bash "$root/scripts/install-face-reference.sh"  # also fetches the weights into data/face
[[ -f /usr/share/dlib/shape_predictor_68_face_landmarks.dat || -n ${MYNAQ_FACE_LANDMARKS:-} ]] ||
  die "no 68-point landmark model (Debian package libdlib-data, or set MYNAQ_FACE_LANDMARKS)"

say "building mynaq and mynaq_bench_face in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMYNAQ_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs" --target mynaq mynaq_bench_face >/dev/null
mynaq=$build/cmd/mynaq
bench=$build/bench/mynaq_bench_face
[[ -x $mynaq && -x $bench ]] || die "no binaries in $build"

work=$(mktemp -d "${TMPDIR:-/tmp}/mynaq-bench-face.XXXXXX")
cleanup() {
  if [[ ${MYNAQ_BENCH_KEEP:-0} == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
now_ns() { date +%s%N; }
# shellcheck source=bench/cpu.sh
source "$(dirname "${BASH_SOURCE[0]}")/../cpu.sh"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
busy_before=$(cpu_busy)

# ---- 1–3 in process --------------------------------------------------------------------
say "mynaq_bench_face, $runs runs"
"$bench" --source-dir "$root" --chips-out "$work/chips" --runs "$runs" >"$work/mynaq.json"

# ---- face-api on the same chips --------------------------------------------------------
mapfile -t chips < <(node -e '
  for (const c of require(process.argv[1]).embed.chips) console.log(c.path);' "$work/mynaq.json")
((${#chips[@]} >= 5)) || die "only ${#chips[@]} chips (want at least 5)"
say "face-api tfjs-cpu on ${#chips[@]} chips, $repeat runs each"
(cd "$root" && node tests/face/faceapi_reference.cjs --modules .cache/face-ref --model data/face \
  --repeat "$repeat" "${chips[@]}") >"$work/faceapi.json" 2>"$work/faceapi.err" ||
  { cat "$work/faceapi.err" >&2; die "faceapi_reference.cjs failed"; }

# ---- 4. the whole command --------------------------------------------------------------
# A config of our own: a user's ~/.config/mynaq (thresholds, gates, model paths) must not count.
cat >"$work/config.yaml" <<EOF
lang: en
face:
  model_dir: $root/data/face
EOF
verify_cmd=("$mynaq" --config "$work/config.yaml" face verify --card-photo "$root/data/sim/face.jp2"
  --live "$root/tests/face/images/astronaut.jpg" --json)
say "mynaq face verify, 1 + $cli_runs runs"
: >"$work/cli_ms.txt"
for ((i = 0; i <= cli_runs; ++i)); do
  t0=$(now_ns)
  status=0
  "${verify_cmd[@]}" >"$work/cli.json" 2>"$work/cli.err" || status=$?
  t1=$(now_ns)
  # 0 match, 1 no match, 2 staff check, 3 a face missing: all are answers; more is an error.
  ((status <= 3)) || { cat "$work/cli.err" >&2; die "mynaq face verify exited with $status"; }
  ((i == 0)) || echo "$(((t1 - t0) / 1000))" >>"$work/cli_ms.txt"  # µs; the first warms the cache
done
: >"$work/start_ms.txt"
for ((i = 0; i <= cli_runs; ++i)); do
  t0=$(now_ns)
  "$mynaq" --version >/dev/null
  t1=$(now_ns)
  ((i == 0)) || echo "$(((t1 - t0) / 1000))" >>"$work/start_ms.txt"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
busy_after=$(cpu_busy)

# ---- compare and report ----------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
version=$("$mynaq" --version | head -n 1)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
nproc=$(nproc)
node_version=$(node --version)
export BENCH_WORK=$work BENCH_CPU=$cpu BENCH_NPROC=$nproc BENCH_VERSION=$version \
  BENCH_COMMIT=$commit BENCH_LOAD_BEFORE=$load_before BENCH_LOAD_AFTER=$load_after \
  BENCH_BUSY_BEFORE=$busy_before BENCH_BUSY_AFTER=$busy_after \
  BENCH_NODE=$node_version BENCH_REPEAT=$repeat BENCH_CLI_RUNS=$cli_runs
node - >"$work/results.md" <<'NODE' || die "see above"
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const env = process.env;
const work = env.BENCH_WORK;
const ours = require(path.join(work, 'mynaq.json'));
const ref = require(path.join(work, 'faceapi.json'));
const ourDescriptors = require(path.join(work, 'chips', 'ours.json'));
const tolerance = 1e-4;

// Same descriptors? Keyed by file name: both sides were given the same absolute paths.
const byName = (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [path.basename(k), v]));
const mine = byName(ourDescriptors);
const theirs = byName(ref.descriptors);
let worst = 0;
const bad = [];
for (const chip of ours.embed.chips) {
  const name = path.basename(chip.path);
  const a = mine[name];
  const b = theirs[name];
  if (!a || !b || a.length !== 128 || b.length !== 128) {
    bad.push(`${name}: descriptor missing on one side`);
    continue;
  }
  const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  chip.max_diff = diff;
  worst = Math.max(worst, diff);
  if (!(diff <= tolerance)) bad.push(`${name}: max |mynaq - face-api| = ${diff.toExponential(2)}`);
}
if (bad.length) {
  process.stderr.write(`bench: FAILED: descriptors disagree beyond ${tolerance}:\n  ${bad.join('\n  ')}\n`);
  process.exit(1);
}

const median = (v) => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const readMs = (file) => fs.readFileSync(path.join(work, file), 'utf8').trim().split('\n').map((us) => Number(us) / 1000);
const cliMs = readMs('cli_ms.txt');
const startMs = readMs('start_ms.txt');
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const met = (ok) => (ok ? 'met' : '**missed**');
const cli = JSON.parse(fs.readFileSync(path.join(work, 'cli.json'), 'utf8'));

const verifyGoal = 80;
const embedGoal = 10;
const refPerChip = Object.fromEntries(ref.ms_per_chip.map((ms, i) => [path.basename(Object.keys(ref.descriptors)[i]), ms]));
const embedOurs = ours.embed.all.median_ms;
const embedRatio = ref.median_ms / embedOurs;
// Others' work right before and after (a build just before the runs shows in the load
// average, but not here); over a quarter of the machine makes the figures noisy.
const busy = Math.max(Number(env.BENCH_BUSY_BEFORE), Number(env.BENCH_BUSY_AFTER));
const loadHigh = busy > 25;

const out = [];
const p = (s = '') => out.push(s);
p('# Face benchmark: model load, verify per pair, embedding against face-api');
p();
p(`- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; \`bash bench/face/run.sh\``);
p(`- Machine: ${env.BENCH_NPROC} CPUs, ${env.BENCH_CPU}; CPU busy over 2 s before/after the runs: ` +
  `${env.BENCH_BUSY_BEFORE} % / ${env.BENCH_BUSY_AFTER} %` +
  (loadHigh ? ' — **the machine was busy: times are noisy**' : ' (quiet)') +
  `; load average before/after: ${env.BENCH_LOAD_BEFORE} / ${env.BENCH_LOAD_AFTER} (includes the build, if one ran)`);
const version = env.BENCH_VERSION.includes(env.BENCH_COMMIT) ? env.BENCH_VERSION : `${env.BENCH_VERSION} (commit ${env.BENCH_COMMIT})`;
p(`- Versions: ${version}, RelWithDebInfo; Node ${env.BENCH_NODE}, ` +
  `@vladmandic/face-api 1.7.15 on @tensorflow/tfjs 4.22.0, backend \`${ref.backend}\``);
p(`- Models: ${ours.models.recognition_dir.replace(/.*\/data\//, 'data/')} (face-api's ResNet-29 weights), ${ours.models.landmarks}`);
p();
p('| measure | mynaq | face-api tfjs-cpu | goal |');
p('|---|--:|--:|---|');
const le = ours.load.engine;
p(`| model load, ms (median of ${le.runs}; min–max) | ${f1(le.median_ms)} (${f1(le.min_ms)}–${f1(le.max_ms)}) | ${f1(ref.load_ms)} (recognition net only, 1 run) | – |`);
p(`| … of which the 68-point landmark model / the recognition net | ${f1(ours.load.landmarks.median_ms)} / ${f1(ours.load.recognition_derived_ms)} | – | – |`);
p(`| card photo decode (JPEG 2000, ${ours.card.width}×${ours.card.height}), ms median | ${f2(ours.card.decode.median_ms)} | – | – |`);
// The goal is for a camera frame; a 2.5-megapixel photo is there to show how detection scales.
const cameraSized = (v) => v.width * v.height <= 1280 * 720;
for (const v of ours.verify) {
  const share = `${f2(v.verify.median_ms / verifyGoal)} × the goal`;
  const goal = cameraSized(v)
    ? `≤ ${verifyGoal} median: ${met(v.verify.median_ms <= verifyGoal)} (${share})`
    : `not a camera frame (${share})`;
  p(`| verify per pair, live \`${v.live}\` ${v.width}×${v.height} (${v.decision}, d = ${v.distance === null ? '–' : v.distance.toFixed(3)}), ms median / p90 | ` +
    `${f1(v.verify.median_ms)} / ${f1(v.verify.p90_ms)} | – | ${goal} |`);
}
p(`| embedding per chip, ms median (${ours.embed.chips.length} chips; mynaq ${ours.runs} runs each, face-api ${env.BENCH_REPEAT}) | ` +
  `${f2(embedOurs)} | ${f1(ref.median_ms)} | ≥ ${embedGoal}× faster: ${met(embedRatio >= embedGoal)} (${f1(embedRatio)}×) |`);
p(`| \`mynaq face verify --card-photo data/sim/face.jp2 --live astronaut.jpg --json\`, whole process, ms median of ${cliMs.length} | ` +
  `${f1(median(cliMs))} (\`--version\` alone ${f1(median(startMs))}) | – | – |`);
p();
p('Per chip (descriptors agree with face-api within ' + tolerance + ' per component; largest difference ' + worst.toExponential(2) + '):');
p();
p('| chip | mynaq ms median / p90 | face-api ms median | ratio | max abs diff |');
p('|---|--:|--:|--:|--:|');
for (const c of ours.embed.chips) {
  const name = path.basename(c.path);
  const theirsMs = refPerChip[name];
  p(`| ${c.name} | ${f2(c.embed.median_ms)} / ${f2(c.embed.p90_ms)} | ${f1(theirsMs)} | ${f1(theirsMs / c.embed.median_ms)}× | ${c.max_diff.toExponential(1)} |`);
}
p();
p(`face-api's very first inference (cold kernels): ${f1(ref.first_ms)} ms. The command's answer: ` +
  `${cli.decision ?? JSON.stringify(cli).slice(0, 80)}.`);
p();
p('Method:');
p('- mynaq figures are in-process (`mynaq_bench_face`, bench/face/bench_face.cpp, public API of');
p('  `mynaq/face.hpp` only). Model load = `face::Engine` construction, 5 times; it includes');
p('  one warm-up pass of the net. The landmark part is a construction that fails on a missing');
p('  recognition directory after reading the landmark model; the net is the difference.');
p(`- verify = \`Engine::verify(card, live, Thresholds{})\` on decoded images, ${ours.runs} runs after 2`);
p('  warm-up; each run detects, aligns and embeds both faces. Live images: astronaut.jpg');
p('  (the person on the card photo), grace_hopper.jpg, a 640×480 crop of face-api\'s');
p('  demo/sample1.jpg around its largest face (a webcam-sized frame) and the full photo.');
p('- Embedding: the aligned chips (`Analysis::chip_rgb`) of the card photo, the portraits and');
p('  every face in sample1.jpg, written as raw RGB and given to tests/face/faceapi_reference.cjs,');
p('  which times `faceRecognitionNet.computeFaceDescriptor` per chip on the tfjs cpu backend.');
p('  Ratio = face-api median / mynaq median over all chips × runs.');
p('- The whole command is timed with `date +%s%N` around each run in a bash loop, one');
p('  untimed run first; `face verify` loads both models each time.');
process.stdout.write(out.join('\n') + '\n');
NODE
cp "$work/results.md" "$here/results.md"
cat "$here/results.md"

#!/usr/bin/env node
// Reference face descriptors from face-api itself (FaceRecognitionNet on the pure-JS tfjs cpu
// backend), so the C++ embedding can be checked against, and timed against, the implementation
// the weights were published for. Install the modules with scripts/install-face-reference.sh.
//
// Usage: node tests/face/faceapi_reference.cjs --modules DIR --model DIR [--repeat N] CHIP...
//   --modules  directory whose node_modules/ holds @tensorflow/tfjs and @vladmandic/face-api
//   --model    directory with face_recognition_model.bin and its weights manifest
//   --repeat   run every chip N times (timing only; the descriptor comes from the first run)
//   CHIP       raw 150x150x3 RGB bytes, row-major (an aligned chip written by the C++ code)
//
// stdout carries exactly one JSON object:
//   backend      tfjs backend actually used ("cpu")
//   load_ms      weight file reads, require of face-api + tfjs, backend init, decode, net set-up
//   repeat       N
//   first_ms     the very first inference (cold: tfjs kernel set-up, JIT), also in the medians
//   descriptors  { chip path: [128 numbers] } in float32 precision, not L2-normalised
//   ms_per_chip  per chip, in argument order: median of its N runs
//   runs_ms      { chip path: [N run times] }
//   median_ms    median over all chips x N runs
// Everything else (tfjs banners, diagnostics) goes to stderr. Exit 2 on usage errors, 1 on
// missing modules/model, bad chips or a non-finite descriptor.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const CHIP_SIDE = 150;
const CHIP_BYTES = CHIP_SIDE * CHIP_SIDE * 3;
const DESCRIPTOR_LENGTH = 128;
const MODEL_BIN = 'face_recognition_model.bin';
const MODEL_MANIFEST = 'face_recognition_model-weights_manifest.json';
const WASM_BACKEND = '@tensorflow/tfjs-backend-wasm';

class UsageError extends Error {
  constructor(message, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

// Libraries log banners with console.log; keep stdout for the JSON alone.
console.log = console.error;
console.info = console.error;

function fail(message, code = 1) {
  process.stderr.write(`faceapi_reference: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { modules: null, model: null, repeat: 1, chips: [] };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--modules') opts.modules = value();
    else if (arg === '--model') opts.model = value();
    else if (arg === '--repeat') {
      const text = value();
      if (!/^[1-9][0-9]*$/.test(text)) {
        throw new UsageError(`--repeat wants a positive integer, got '${text}'`);
      }
      opts.repeat = Number(text);
    } else if (arg === '--help' || arg === '-h') {
      throw new UsageError('', 0);
    } else if (arg === '--') {
      opts.chips.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else opts.chips.push(arg);
  }
  if (!opts.modules) throw new UsageError('--modules DIR is required');
  if (!opts.model) throw new UsageError('--model DIR is required');
  if (opts.chips.length === 0) throw new UsageError('no CHIP given');
  const seen = new Set();
  for (const chip of opts.chips) {
    if (seen.has(chip)) throw new UsageError(`chip ${chip} given twice`);
    seen.add(chip);
  }
  return opts;
}

// Reads and validates every chip before the slow model load, so a bad argument fails fast.
function readChips(paths) {
  return paths.map((chipPath) => {
    let bytes;
    try {
      bytes = fs.readFileSync(chipPath);
    } catch (err) {
      throw new Error(`cannot read chip ${chipPath}: ${err.message}`);
    }
    if (bytes.length !== CHIP_BYTES) {
      throw new Error(
        `chip ${chipPath} has ${bytes.length} bytes, expected ${CHIP_BYTES} ` +
          `(${CHIP_SIDE}x${CHIP_SIDE}x3 RGB)`);
    }
    return { path: chipPath, rgb: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
  });
}

function readModel(modelDir) {
  const binPath = path.join(modelDir, MODEL_BIN);
  const manifestPath = path.join(modelDir, MODEL_MANIFEST);
  for (const file of [binPath, manifestPath]) {
    if (!fs.existsSync(file)) {
      throw new Error(`model file ${file} missing (run scripts/fetch-face-model.sh)`);
    }
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  if (!Array.isArray(manifest) || manifest.length !== 1 || !Array.isArray(manifest[0].weights)) {
    throw new Error(`${manifestPath}: expected one weight group`);
  }
  const bin = fs.readFileSync(binPath);
  // decodeWeights wants an ArrayBuffer holding exactly the shard.
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return { specs: manifest[0].weights, buffer };
}

// face-api.node-wasm.js is the Node build that uses the pure-JS @tensorflow/tfjs (face-api.node.js
// needs the native tfjs-node, and the bundled esm build breaks in Node 20). It also re-exports
// the wasm backend, which we never select; an empty stand-in keeps that package uninstalled.
function loadFaceApi(modulesDir) {
  const nodeModules = path.join(path.resolve(modulesDir), 'node_modules');
  const dist = path.join(nodeModules, '@vladmandic', 'face-api', 'dist', 'face-api.node-wasm.js');
  for (const needed of [dist, path.join(nodeModules, '@tensorflow', 'tfjs', 'package.json')]) {
    if (!fs.existsSync(needed)) {
      throw new Error(`module file ${needed} missing (run scripts/install-face-reference.sh)`);
    }
  }
  const stubId = '\0mynaq-empty-tfjs-backend-wasm';
  const stub = new Module(stubId);
  stub.filename = stubId;
  stub.loaded = true;
  stub.exports = {};
  Module._cache[stubId] = stub;
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveWithStub(request, ...rest) {
    if (request === WASM_BACKEND) return stubId;
    return resolve.call(this, request, ...rest);
  };
  try {
    return require(dist);
  } finally {
    Module._resolveFilename = resolve;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round3 = (ms) => Math.round(ms * 1000) / 1000;

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const usage =
      'usage: node tests/face/faceapi_reference.cjs --modules DIR --model DIR [--repeat N] CHIP...';
    if (!err.message) {
      process.stderr.write(`${usage}\n`);
      process.exit(err.exitCode);
    }
    fail(`${err.message}\n${usage}`, err.exitCode);
  }
  const chips = readChips(opts.chips);

  // Reading the weights is part of loading, as it is for the C++ net this is compared with.
  const loadStart = performance.now();
  const model = readModel(opts.model);
  const faceapi = loadFaceApi(opts.modules);
  // Use face-api's own tf instance: NetInput checks `instanceof tf.Tensor`.
  const { tf } = faceapi;
  // Production mode only silences tfjs's "install tfjs-node" banner; kernels are unaffected.
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
  await tf.ready();
  const weightMap = tf.io.decodeWeights(model.buffer, model.specs);
  const net = faceapi.nets.faceRecognitionNet;
  net.loadFromWeightMap(weightMap);
  const loadMs = performance.now() - loadStart;

  const descriptors = {};
  const runsMs = {};
  const msPerChip = [];
  const allRuns = [];
  let firstMs = null;
  for (const chip of chips) {
    const runs = [];
    let first = null;
    for (let r = 0; r < opts.repeat; ++r) {
      const input = tf.tensor3d(chip.rgb, [CHIP_SIDE, CHIP_SIDE, 3], 'int32');
      const start = performance.now();
      // face-api preprocesses itself: pad to square (no-op), (x - mean) / 255.
      const descriptor = await net.computeFaceDescriptor(input);
      const ms = performance.now() - start;
      input.dispose();
      runs.push(ms);
      if (firstMs === null) firstMs = ms;
      if (first === null) {
        first = Array.from(descriptor);
      } else if (first.some((v, i) => v !== descriptor[i])) {
        process.stderr.write(
          `faceapi_reference: warning: ${chip.path} gave a different descriptor on run ${r + 1}\n`);
      }
    }
    if (first.length !== DESCRIPTOR_LENGTH || !first.every(Number.isFinite)) {
      throw new Error(`chip ${chip.path}: descriptor is not ${DESCRIPTOR_LENGTH} finite numbers`);
    }
    descriptors[chip.path] = first;
    runsMs[chip.path] = runs.map(round3);
    msPerChip.push(round3(median(runs)));
    allRuns.push(...runs);
  }

  const result = {
    backend: tf.getBackend(),
    load_ms: round3(loadMs),
    repeat: opts.repeat,
    first_ms: round3(firstMs),
    descriptors,
    ms_per_chip: msPerChip,
    runs_ms: runsMs,
    median_ms: round3(median(allRuns)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => fail(err && err.message ? err.message : String(err)));

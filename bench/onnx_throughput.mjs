// onnxruntime-node's predictions per second for a model that `weir export onnx` wrote: one
// session.run of 1 row and of 100 rows (the same trip), on one thread (as the model server's
// handler is measured), best of five runs of SECONDS / 5.
//   node bench/onnx_throughput.mjs MODEL.onnx INSTANCE.json [SECONDS]
// INSTANCE.json: one row as weir serve takes it (raw feature -> value; absent: missing).
// onnxruntime-node comes from tests/onnx/node_modules (./test.sh installs it).
import fs from 'node:fs';
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('../tests/onnx/node_modules/onnxruntime-node');
const [modelFile, instanceFile, secondsText] = process.argv.slice(2);
const seconds = Number(secondsText ?? 5);
const instance = JSON.parse(fs.readFileSync(instanceFile, 'utf8'));
const session = await ort.InferenceSession.create(modelFile, {intraOpNumThreads: 1, interOpNumThreads: 1});

function feeds(rows) {
  const out = {};
  for (const {name, type} of session.inputMetadata) {
    const value = instance[name];
    let data;
    if (type === 'float32') data = new Float32Array(rows).fill(value === undefined ? NaN : value);
    else if (type === 'int64') data = new BigInt64Array(rows).fill(value === undefined ? -9223372036854775808n : BigInt(value));
    else data = new Array(rows).fill(value === undefined ? '' : String(value));
    out[name] = new ort.Tensor(type, data, [rows, 1]);
  }
  return out;
}

async function microsPerCall(rows) {
  const input = feeds(rows);
  let best = Infinity;
  for (let run = 0; run < 5; ++run) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < seconds / 5) {
      for (let i = 0; i < 20; ++i) await session.run(input);
      calls += 20;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    best = Math.min(best, (elapsed * 1e6) / calls);
  }
  return best;
}

const one = await microsPerCall(1);
const hundred = await microsPerCall(100);
console.log(`onnx_run_1_us ${one.toFixed(2)}`);
console.log(`onnx_run_100_us ${hundred.toFixed(2)}`);

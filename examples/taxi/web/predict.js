// Raw features in, the model's outputs out: a model that `weir export onnx` wrote (or the Pusher
// with push_formats: [weir, onnx]), run by onnxruntime-web in this page. Nothing here knows the
// model: its inputs and their types come from the file.
import * as ort from './vendor/ort.wasm.min.mjs';

// The runtime's .wasm and its loader, beside this file (a relative path would be read from
// the runtime's own folder).
ort.env.wasm.wasmPaths = new URL('./vendor/', import.meta.url).href;
// Threads need a cross-origin-isolated page; one thread works everywhere.
ort.env.wasm.numThreads = 1;

// What the graph takes for a missing value of each input type (docs/export.md).
const kMissingInt = -9223372036854775808n;

function isMissing(value) {
  return value === undefined || value === null || value === '';
}

export async function loadModel(url) {
  return ort.InferenceSession.create(url);
}

// The model's inputs: [{name, type}] with type float32, int64 or string.
export function inputsOf(session) {
  return session.inputMetadata.map(({name, type}) => ({name, type}));
}

// rows: objects of raw feature -> value (a number or a string; left out, null or '' when
// missing). Returns, per output name, one array of values per row.
export async function predict(session, rows) {
  const feeds = {};
  for (const {name, type} of inputsOf(session)) {
    const values = rows.map((row) => row[name]);
    let data;
    if (type === 'float32') {
      data = Float32Array.from(values, (v) => (isMissing(v) ? NaN : Number(v)));
    } else if (type === 'int64') {
      data = BigInt64Array.from(values, (v) => (isMissing(v) ? kMissingInt : BigInt(v)));
    } else {
      data = values.map((v) => (isMissing(v) ? '' : String(v)));
    }
    feeds[name] = new ort.Tensor(type, data, [rows.length, 1]);
  }
  const results = await session.run(feeds);
  const out = {};
  for (const name of session.outputNames) {
    const tensor = results[name];
    const width = tensor.dims[1];
    out[name] = rows.map((_, i) => Array.from(tensor.data.slice(i * width, (i + 1) * width)));
  }
  return out;
}

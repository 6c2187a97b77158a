// Runs an ONNX file that `weir export onnx` wrote in onnxruntime-node over every row of a CSV file
// and asks `weir serve` for the same rows: every output must agree within the tolerance, except
// on rows with a token outside a vocabulary whose OOV buckets the graph approximates (the file's
// weir.approximated_oov metadata), which are counted and must be the only ones that differ.
//   node compare.mjs --model M.onnx --csv DATA.csv --url http://127.0.0.1:P/v1/models/m:predict
//                    --assets DIR --approximated FILE.json [--tolerance 1e-6] [--rows N]
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import {parseArgs, readCsv, servedPredictions} from './common.mjs';

const args = parseArgs(process.argv, ['model', 'csv', 'url', 'assets', 'approximated']);
const tolerance = Number(args.tolerance ?? 1e-6);
const kMissingInt = -9223372036854775808n;

const csv = readCsv(args.csv);
const rows = args.rows ? csv.rows.slice(0, Number(args.rows)) : csv.rows;
const column = Object.fromEntries(csv.header.map((name, i) => [name, i]));
const session = await ort.InferenceSession.create(args.model);

// The ONNX inputs of rows [begin, end).
function feeds(begin, end) {
  const out = {};
  for (const input of session.inputMetadata) {
    const j = column[input.name];
    if (j === undefined) throw new Error(`the CSV has no column '${input.name}', an input of the model`);
    const texts = rows.slice(begin, end).map((r) => r[j]);
    let data;
    if (input.type === 'float32') data = Float32Array.from(texts, (t) => (t === '' ? NaN : Number(t)));
    else if (input.type === 'int64') data = BigInt64Array.from(texts, (t) => (t === '' ? kMissingInt : BigInt(t)));
    else if (input.type === 'string') data = texts;
    else throw new Error(`unexpected input type ${input.type} of '${input.name}'`);
    out[input.name] = new ort.Tensor(input.type, data, [end - begin, 1]);
  }
  return out;
}

const outputName = session.outputNames[0];
const width = session.outputMetadata[0].shape[1];
const onnxOut = [], served = [];
const batch = 500;
for (let begin = 0; begin < rows.length; begin += batch) {
  const end = Math.min(rows.length, begin + batch);
  const result = await session.run(feeds(begin, end));
  onnxOut.push(...result[outputName].data);
  served.push(...await servedPredictions(args.url, session.inputMetadata, csv.header, rows.slice(begin, end), outputName));
}
if (onnxOut.length !== served.length) throw new Error(`${onnxOut.length} ONNX outputs but ${served.length} from weir serve`);

// Rows holding a token the graph approximates: outside its vocabulary and not the fill value.
const approximated = JSON.parse(fs.readFileSync(args.approximated, 'utf8'));
const vocabularies = approximated.map((entry) => ({
  ...entry,
  column: column[entry.input],
  tokens: new Set(fs.readFileSync(path.join(args.assets, entry.vocabulary), 'utf8').split('\n').filter((t) => t !== '')),
}));
function hasApproximatedToken(r) {
  return vocabularies.some((v) => {
    const token = r[v.column] === '' ? v.fill : r[v.column];
    return token !== undefined && !v.tokens.has(token) && token !== v.fill;
  });
}

let maxDiff = 0, approximatedRows = 0, differingApproximated = 0;
const failures = [];
for (let i = 0; i < rows.length; ++i) {
  let rowDiff = 0;
  for (let k = 0; k < width; ++k) rowDiff = Math.max(rowDiff, Math.abs(onnxOut[i * width + k] - served[i * width + k]));
  if (hasApproximatedToken(rows[i])) {
    ++approximatedRows;
    if (rowDiff > tolerance) ++differingApproximated;
    continue;
  }
  maxDiff = Math.max(maxDiff, rowDiff);
  if (rowDiff > tolerance && failures.length < 5) failures.push(`row ${i + 1}: ONNX ${onnxOut.slice(i * width, (i + 1) * width)} vs weir serve ${served.slice(i * width, (i + 1) * width)}`);
}
console.log(`${rows.length} rows, ${width} output(s) each: largest difference ${maxDiff.toExponential(2)} ` +
  `(tolerance ${tolerance}) outside the ${approximatedRows} rows with an unseen token ` +
  `(${differingApproximated} of which differ by more, as the OOV rule says they may)`);
if (failures.length > 0) {
  console.error(`outputs differ beyond ${tolerance}:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}

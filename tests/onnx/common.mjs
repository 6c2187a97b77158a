// What the ONNX tests share: flags, the CSV reader, and weir serve's predictions for CSV rows.
import fs from 'node:fs';

// --name value pairs; the names in `required` must be given.
export function parseArgs(argv, required) {
  const args = {};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const name of required) {
    if (!args[name]) throw new Error(`--${name} is required`);
  }
  return args;
}

// RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. Returns the header and
// the rows, as arrays of the fields' text.
export function readCsv(file) {
  const text = fs.readFileSync(file, 'utf8');
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; ++i; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return {header, rows: body};
}

// weir serve's predictions for CSV rows, flattened row after row: every input the model reads
// (inputs: [{name, type}]), an empty field left out.
export async function servedPredictions(url, inputs, header, rows, outputName) {
  const column = Object.fromEntries(header.map((name, i) => [name, i]));
  const instances = rows.map((r) => {
    const instance = {};
    for (const {name, type} of inputs) {
      const text = r[column[name]];
      if (text !== '') instance[name] = type === 'string' ? text : Number(text);
    }
    return instance;
  });
  const response = await fetch(url, {method: 'POST', body: JSON.stringify({instances})});
  const body = await response.json();
  if (!response.ok) throw new Error(`weir serve answered ${response.status}: ${JSON.stringify(body)}`);
  const out = [];
  for (const prediction of body.predictions) {
    out.push(...(typeof prediction === 'number' ? [prediction] : (prediction[outputName] ?? prediction)));
  }
  return out;
}

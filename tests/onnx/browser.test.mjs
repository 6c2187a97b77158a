// The taxi example page (examples/taxi/web/) in Debian's Chromium, with onnxruntime-web and the
// model the Pusher wrote beside the pushed version: the page loads model.onnx, its predictions
// for 20 rows of the data equal weir serve's within 1e-6, and the form's Predict button shows
// the probability of the trip in the form.
//   node browser.test.mjs --page DIR --csv DATA.csv --url http://127.0.0.1:P/v1/models/m:predict
// DIR: the page with vendor/ (vendor.sh) and model.onnx in it. WEIR_CHROMIUM: the browser
// (default /usr/bin/chromium); a missing browser is a failure.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {chromium} from '../browser/node_modules/playwright-core/index.mjs';
import {parseArgs, readCsv, servedPredictions} from './common.mjs';

const args = parseArgs(process.argv, ['page', 'csv', 'url']);
const tolerance = 1e-6;
const chromiumPath = process.env.WEIR_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) throw new Error(`no browser at ${chromiumPath}`);

// The page's folder over HTTP on 127.0.0.1, as any static file server would serve it.
const types = {'.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
               '.wasm': 'application/wasm', '.onnx': 'application/octet-stream'};
const server = http.createServer((request, response) => {
  const file = path.join(args.page, path.normalize(new URL(request.url, 'http://x').pathname));
  if (!file.startsWith(path.resolve(args.page)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    const index = path.join(file, 'index.html');
    if (!fs.existsSync(index)) { response.writeHead(404).end(); return; }
    response.writeHead(200, {'content-type': 'text/html'}).end(fs.readFileSync(index));
    return;
  }
  response.writeHead(200, {'content-type': types[path.extname(file)] ?? 'application/octet-stream'});
  response.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-onnx-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failures = 0;
const fail = (message) => { console.error(`FAIL: ${message}`); ++failures; };
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(30_000);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Every request stays on the page's own server: nothing from a CDN.
  const elsewhere = [];
  page.on('request', (request) => { if (!request.url().startsWith(pageUrl)) elsewhere.push(request.url()); });
  await page.goto(pageUrl);
  await page.waitForFunction(() => document.body.dataset.ready);
  if (await page.evaluate(() => document.body.dataset.ready) !== 'true') {
    throw new Error(`the page did not load the model: ${await page.textContent('#status')}`);
  }
  const inputs = await page.evaluate(() => window.weir.session.inputMetadata.map(({name, type}) => ({name, type})));

  const csv = readCsv(args.csv);
  const column = Object.fromEntries(csv.header.map((name, i) => [name, i]));
  const step = Math.floor(csv.rows.length / 20);
  const rows = Array.from({length: 20}, (_, i) => csv.rows[i * step]);
  const served = await servedPredictions(args.url, inputs, csv.header, rows, 'probabilities');
  const objects = rows.map((r) => Object.fromEntries(inputs.map(({name}) => [name, r[column[name]]])));
  const inBrowser = (await page.evaluate((rows) => window.weir.predict(rows), objects)).probabilities.map((p) => p[0]);
  let largest = 0;
  for (let i = 0; i < rows.length; ++i) {
    const difference = Math.abs(inBrowser[i] - served[i]);
    largest = Math.max(largest, difference);
    if (difference > tolerance) fail(`row ${i * step + 1}: the page says ${inBrowser[i]}, weir serve ${served[i]}`);
  }
  console.log(`20 rows in Chromium: largest difference from weir serve ${largest.toExponential(2)}`);

  // The form, as a user fills it: the first of those rows.
  for (const {name} of inputs) await page.fill(`#${name}`, objects[0][name]);
  await page.click('button');
  await page.waitForFunction(() => document.getElementById('answer').dataset.probability);
  const shown = Number(await page.getAttribute('#answer', 'data-probability'));
  if (Math.abs(shown - served[0]) > tolerance) fail(`the form shows ${shown}, weir serve says ${served[0]}`);
  console.log(`the form: ${await page.textContent('#answer')} (weir serve: ${served[0]})`);
  if (pageErrors.length > 0) fail(`errors in the page: ${pageErrors.join('; ')}`);
  if (elsewhere.length > 0) fail(`requests off the page's server: ${elsewhere.join(', ')}`);
} finally {
  await context.close();
  server.close();
  fs.rmSync(profile, {recursive: true, force: true});
}
process.exit(failures > 0 ? 1 : 0);

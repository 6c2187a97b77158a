// Drives the weir web UI in headless Chromium through the taxi tutorial: list the pipelines,
// activate and trigger taxi, watch its graph until every node is done, then look at the
// statistics, the training curves and the evaluation. Exits non-zero on the first failure.
//
//   WEIR_URL=http://127.0.0.1:8765 WEIR_SCREENSHOTS=/tmp/shots node ui.test.mjs
//
// WEIR_URL       the weir webserver (or tests/browser/mock_server.py); required
// WEIR_SCREENSHOTS  folder for one PNG per page (default: a new temporary folder)
// WEIR_RUN_TIMEOUT_S  how long the triggered run may take (default 300)
// WEIR_CHROMIUM  the browser (default /usr/bin/chromium, Debian's package); a missing browser
//                is a failure, not a skip.

import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {chromium} from 'playwright-core';

const CHROMIUM = process.env.WEIR_CHROMIUM || '/usr/bin/chromium';
const BASE = (process.env.WEIR_URL || '').replace(/\/+$/, '');
const SHOTS = process.env.WEIR_SCREENSHOTS || mkdtempSync(join(tmpdir(), 'weir-ui-shots-'));
const RUN_TIMEOUT_MS = Number(process.env.WEIR_RUN_TIMEOUT_S || 300) * 1000;
const DONE = new Set(['success', 'cached']);
const BROKEN = new Set(['failed', 'upstream_failed']);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

if (!BASE) fail('set WEIR_URL to the weir webserver, e.g. WEIR_URL=http://127.0.0.1:8080');
if (!existsSync(CHROMIUM)) {
  fail(`no browser at ${
      CHROMIUM}: install Debian's (apt-get install -y chromium) or set WEIR_CHROMIUM`);
}
mkdirSync(SHOTS, {recursive: true});

const profile = mkdtempSync(join(tmpdir(), 'weir-ui-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'
  ],
  viewport: {width: 1280, height: 800},
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(15_000);
// Confirmation dialogs (clear, mark success) are accepted; none is expected here.
page.on('dialog', (dialog) => dialog.accept());
const pageErrors = [];
page.on('pageerror', (error) => pageErrors.push(error.message));
// Whatever the server's Content-Security-Policy blocks is reported on the console: a failure too.
page.on('console', (message) => {
  if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
    pageErrors.push(message.text());
  }
});

let failures = 0;
let stepNumber = 0;

// Runs one step; the first failure ends the test (later steps build on earlier ones) after a
// screenshot of where it happened and the text of the UI's error bar.
async function step(name, fn) {
  stepNumber++;
  const started = Date.now();
  try {
    await fn();
    if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join('; ')}`);
    console.log(`ok ${stepNumber} - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failures++;
    console.log(
        `not ok ${stepNumber} - ${name}\n  ${String(error.message).split('\n').join('\n  ')}`);
    const bar = page.locator('#error-bar:not([hidden]) #error-text');
    if (await bar.count()) console.log(`  the page's error bar says: ${await bar.textContent()}`);
    await screenshot(`failed-${stepNumber}`).catch(() => {});
    await finish();
  }
}

async function screenshot(name) {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({path, fullPage: true});
  console.log(`  screenshot ${path}`);
}

async function finish() {
  await context.close();
  rmSync(profile, {recursive: true, force: true});
  console.log(failures ? `FAILED: ${failures} step(s)` : `PASSED: ${stepNumber} steps`);
  process.exit(failures ? 1 : 0);
}

async function expectNoErrorBar() {
  if (await page.locator('#error-bar').isVisible()) {
    throw new Error(`the error bar shows: ${await page.locator('#error-text').textContent()}`);
  }
}

// Opens a node's output artifact from the run's node table.
async function openOutput(nodeId, type) {
  await page.goto(`${BASE}/#/pipelines/taxi/runs/${encodeURIComponent(runId)}`);
  const output =
      page.locator(`#nodes tr[data-node-id="${nodeId}"] a[data-artifact-type="${type}"]`).first();
  await output.click();
  await page.waitForURL(/#\/artifacts\/\d+$/);
  await page.locator('#artifact-view[data-kind]').waitFor();
}

let runId;

await step('the pipelines page lists taxi', async () => {
  await page.goto(`${BASE}/#/pipelines`);
  await page.locator('#pipelines tr[data-pipeline="taxi"]').waitFor();
  await expectNoErrorBar();
  await screenshot('pipelines');
});

await step('activate and trigger taxi', async () => {
  const row = page.locator('#pipelines tr[data-pipeline="taxi"]');
  if ((await row.getAttribute('data-paused')) === 'true') {
    await row.locator('.switch').click();
    await page.locator('#pipelines tr[data-pipeline="taxi"][data-paused="false"]').waitFor();
  }
  await page.locator('#pipelines tr[data-pipeline="taxi"] [data-action="trigger"]').click();
  const notice = page.locator('#notice-bar #triggered-run');
  await notice.waitFor();
  runId = await notice.getAttribute('data-run-id');
  if (!runId) throw new Error('the trigger notice names no run');
  await expectNoErrorBar();
  console.log(`  run ${runId}`);
});

await step('the graph shows every node done', async () => {
  await page.locator('#notice-bar #triggered-run').click();
  await page.waitForURL(/#\/pipelines\/taxi\/runs\//);
  await page.locator('[data-tab="graph"]').click();
  await page.locator('#graph svg g.node').first().waitFor();
  const nodes = await page.locator('#graph g.node').count();
  if (nodes !== 9) throw new Error(`the graph has ${nodes} nodes, not the taxi pipeline's 9`);
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let states = {};
  for (;;) {
    // The page polls the run itself; this only reads the colours it set.
    states =
        await page.locator('#graph g.node')
            .evaluateAll(
                (gs) => Object.fromEntries(gs.map((g) => [g.dataset.nodeId, g.dataset.state])));
    const values = Object.values(states);
    if (values.every((s) => DONE.has(s))) break;
    const broken = Object.entries(states).filter(([, s]) => BROKEN.has(s));
    if (broken.length)
      throw new Error(`nodes ended badly: ${broken.map(([n, s]) => `${n} ${s}`).join(', ')}`);
    if (Date.now() > deadline) {
      throw new Error(`after ${RUN_TIMEOUT_MS / 1000} s the nodes are ${JSON.stringify(states)}`);
    }
    await page.waitForTimeout(500);
  }
  // The node table agrees with the graph.
  for (const [node, state] of Object.entries(states)) {
    const row = page.locator(`#nodes tr[data-node-id="${node}"]`);
    if ((await row.getAttribute('data-state')) !== state)
      throw new Error(`node table disagrees on ${node}`);
  }
  await page.locator('#run-state[data-state="success"]').waitFor();
  await expectNoErrorBar();
  await screenshot('graph');
});

await step('the grid shows the run', async () => {
  await page.locator('[data-tab="grid"]').click();
  const cells = page.locator(`#grid td[data-run-id="${runId}"]`);
  await cells.first().waitFor();
  const states = await cells.evaluateAll((tds) => tds.map((td) => td.dataset.state));
  if (states.length !== 9 || !states.every((s) => DONE.has(s))) {
    throw new Error(`the grid's column for the run is ${JSON.stringify(states)}`);
  }
  await screenshot('grid');
  await page.locator('[data-tab="graph"]').click();
});

await step('a node log', async () => {
  await page.goto(`${BASE}/#/pipelines/taxi/runs/${encodeURIComponent(runId)}/nodes/Trainer/log`);
  await page.locator('#log-status[data-complete="true"]').waitFor();
  const text = await page.locator('#log').textContent();
  if (!text.includes('Trainer'))
    throw new Error(`the Trainer's log does not name it: ${text.slice(0, 300)}`);
  await expectNoErrorBar();
  await screenshot('log');
});

await step('StatisticsGen statistics: features and histograms', async () => {
  await openOutput('StatisticsGen', 'ExampleStatistics');
  await page.locator('#numeric-features tbody[data-feature="trip_miles"]').waitFor();
  await page.locator('#categorical-features tbody[data-feature="company"]').waitFor();
  await waitForChart('#numeric-features canvas[data-feature="trip_miles"]');
  await expectNoErrorBar();
  await screenshot('statistics');
});

await step('StatisticsGen statistics: train compared with eval', async () => {
  await page.selectOption('#compare-select', 'eval');
  await page.locator('#numeric-features tbody[data-feature="fare"] td.side').nth(1).waitFor();
  await waitForChart('#numeric-features canvas[data-feature="fare"]');
  await expectNoErrorBar();
  await screenshot('statistics-compare');
});

// The spans pipeline (spans_setup.sh; run.sh always sets these, the mock server has no spans):
// span 2's statistics beside span 1's, and the drift and training/serving skew the validator
// found.
const SPAN_STATISTICS = process.env.WEIR_SPAN_STATISTICS;
const SPAN_ANOMALIES = process.env.WEIR_SPAN_ANOMALIES;
if (!SPAN_STATISTICS || !SPAN_ANOMALIES) console.log('no WEIR_SPAN_STATISTICS: span pages not tried');

if (SPAN_STATISTICS) await step('statistics of span 2 beside span 1', async () => {
  await page.goto(`${BASE}/#/artifacts/${SPAN_STATISTICS}`);
  await page.locator('#numeric-features tbody[data-feature="fare"]').waitFor();
  await page.selectOption('#compare-select', {label: 'train of span 1'});
  await page.waitForURL(/compare_artifact=\d+/);
  await page.locator('#categorical-features tbody[data-feature="payment_type"] td.side').nth(1)
      .waitFor();
  const toolbar = await page.locator('.toolbar').textContent();
  for (const side of ['span 2 · train', 'span 1 · train']) {
    if (!toolbar.includes(side)) throw new Error(`the toolbar does not name ${side}: ${toolbar}`);
  }
  await waitForChart('#numeric-features canvas[data-feature="fare"]');
  await expectNoErrorBar();
  await screenshot('statistics-spans');
});

if (SPAN_ANOMALIES) await step('anomalies: drift from span 1, and skew in what the server was sent', async () => {
  await page.goto(`${BASE}/#/artifacts/${SPAN_ANOMALIES}`);
  const split = (name) => page.locator('section.panel', {has: page.locator('h2', {hasText: `Split ${name}`})});
  await split('serving').waitFor();
  for (const [name, text] of [['train', 'the previous span'], ['serving', "split 'train'"]]) {
    const row = split(name).locator('tr[data-feature="payment_type"]');
    const description = await row.textContent();
    if (!description.includes(text))
      throw new Error(`split ${name}'s payment_type anomaly does not say "${text}": ${description}`);
  }
  await expectNoErrorBar();
  await screenshot('anomalies-drift-skew');
});

await step('Trainer training curves', async () => {
  await openOutput('Trainer', 'ModelRun');
  await waitForChart('#training-charts canvas[data-metric="loss"]');
  await expectNoErrorBar();
  await screenshot('training');
});

await step('Evaluator evaluation: overall slice and blessing', async () => {
  await openOutput('Evaluator', 'ModelEvaluation');
  const overall = page.locator('#slice-metrics tr[data-slice="Overall"]');
  await overall.waitFor();
  const validation = (await page.locator('#validation').textContent()).trim();
  if (!/^(NOT )?BLESSED/.test(validation))
    throw new Error(`no blessing verdict; the box says: ${validation}`);
  console.log(`  ${validation.split('\n')[0]}`);
  await waitForChart('#slice-chart');
  await expectNoErrorBar();
  await screenshot('evaluation');
});

await step('lineage of the evaluation', async () => {
  await page.locator('a', {hasText: 'Lineage'}).click();
  await page.locator('#upstream li').first().waitFor();
  await expectNoErrorBar();
  await screenshot('lineage');
});

// A chart is drawn once Chart.js has sized its canvas and painted something on it.
async function waitForChart(selector) {
  const canvas = page.locator(selector);
  await canvas.waitFor();
  await page.waitForFunction((el) => {
    if (!el.width || !el.height) return false;
    const data = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
    for (let i = 3; i < data.length; i += 4)
      if (data[i] !== 0) return true;
    return false;
  }, await canvas.elementHandle());
}

await finish();

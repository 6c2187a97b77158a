// The weir web UI: a single-page app over the JSON API of docs/web-api.md, served by
// `weir webserver` from assets compiled into the binary. No build step and no framework; the
// only library is Chart.js 3.9 (global `Chart`, loaded from /static/chart.min.js).
//
// Pages are chosen by the URL's hash (see ROUTES). Each visit to a page gets a fresh Page that
// owns its timers and charts, so that leaving a page stops its polling.

import {DASH, fmtNum, fmtPct} from './format.js';

const POLL_MS = 1000;       // Live run states and log tails, as the contract suggests.
const LIST_POLL_MS = 5000;  // Lists that only change when a run starts or ends.
const GRID_RUNS = 20;       // Runs in the grid (each costs one request for its node states).
const RUN_CHOICES = 50;     // Runs offered by the run selector.
const ACTIVE_RUN_STATES = new Set(['queued', 'running']);
const NODE_STATES = [
  'none', 'queued', 'running', 'success', 'cached', 'failed', 'up_for_retry', 'skipped',
  'upstream_failed'
];
// Two data sets drawn together (train/eval, candidate/baseline) always use these colours.
const SERIES_COLOURS = ['#1f77b4', '#ff7f0e'];

// ---------------------------------------------------------------------------------------------
// DOM and formatting helpers

// Builds an element. `attrs`: `class`, `on<event>` handlers, DOM properties (value, checked,
// disabled, open; set after the children, so that a <select>'s value picks one of its options)
// and plain attributes (skipped when null, undefined or false). Children may be nodes, strings,
// numbers, arrays or null (skipped).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  const properties = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (['value', 'checked', 'disabled', 'open'].includes(key)) {
      properties.push([key, value]);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  for (const [key, value] of properties) el[key] = value;
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Replaces an element's children (DOM's own replaceChildren would show a null as "null").
function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

function link(href, ...children) {
  return h('a', {href}, ...children);
}

const enc = encodeURIComponent;

function pipelineHref(name, runId) {
  return `#/pipelines/${enc(name)}` + (runId ? `/runs/${enc(runId)}` : '');
}

function logHref(name, runId, nodeId) {
  return `${pipelineHref(name, runId)}/nodes/${enc(nodeId)}/log`;
}

function artifactHref(id) {
  return `#/artifacts/${id}`;
}

// In-page jumps cannot use "#id" links, which the router would take for pages.
function jumpLink(targetId, ...children) {
  return h(
      'a', {
        class: 'jump',
        role: 'button',
        tabindex: 0,
        onclick: (e) => {
          e.preventDefault();
          const target = document.getElementById(targetId);
          if (!target) return;
          if (target.tagName === 'DETAILS') target.open = true;
          target.scrollIntoView({block: 'center'});
        }
      },
      ...children);
}

// Times are UTC (the API's and Airflow's convention), shown without the 'T' and fraction.
function fmtTime(iso) {
  if (!iso) return DASH;
  return h('time', {datetime: iso, title: iso}, iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ''));
}

// The time of day alone, for tables whose run's date is shown above them.
function fmtClock(iso) {
  if (!iso) return DASH;
  return h('time', {datetime: iso, title: iso}, iso.slice(11, 19));
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function fmtBytes(n) {
  if (n === null || n === undefined) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

// A state as a coloured label; `data-state` lets tests and CSS find it. `colour` is the state
// whose colour it takes when that differs (an execution's "complete" is a success).
function stateBadge(state, colour = state) {
  return h('span', {class: `badge state-${colour}`, 'data-state': state}, state.replace(/_/g, ' '));
}

// A table with a header row; `body` is its rows, or a <tbody> that the caller fills later.
function table(head, body, attrs = {}) {
  return h(
      'table', attrs, h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
      body instanceof HTMLTableSectionElement ? body : h('tbody', {}, body));
}

// A label/value list, skipping entries whose value is null: on one line that wraps, or with
// `rows` one entry per line.
function facts(pairs, rows = false) {
  return h(
      'dl', {class: rows ? 'facts rows' : 'facts'},
      pairs.filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

function section(title, ...children) {
  return h('section', {class: 'panel'}, h('h2', {}, title), children);
}

function crumbs(...parts) {
  return h(
      'nav', {class: 'crumbs'},
      parts.filter((p) => p !== null)
          .map((p, i) => [i ? h('span', {class: 'sep'}, '/') : null, p]));
}

// Long lists (domains, vocabularies) show their start and open to the rest on demand.
function abbreviatedList(values, shown = 12) {
  const quoted = values.map((v) => (typeof v === 'string' ? `'${v}'` : fmtNum(v)));
  if (quoted.length <= shown) return quoted.join(', ');
  return h(
      'details', {class: 'inline'},
      h('summary', {}, `${quoted.slice(0, shown).join(', ')}, … (+${quoted.length - shown} more)`),
      quoted.join(', '));
}

// Rows of objects as a table with one column per key (sample examples, transformed rows). Whole
// numbers are shown in full, as they are often codes (census tracts have 11 digits).
function rowsTable(rows) {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const value = (v) => (Number.isInteger(v) ? String(v) : fmtNum(v));
  const cell = (v) =>
      (v === null || v === undefined ?
           h('td', {class: 'muted'}, DASH) :
           h('td', {}, Array.isArray(v) ? `[${v.map(value).join(', ')}]` : value(v)));
  return h(
      'div', {class: 'scroll'},
      table(keys, rows.map((r) => h('tr', {}, keys.map((k) => cell(r[k])))), {class: 'dense'}));
}

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

let csrfToken = null;  // From GET /api/session; fetched again when the server rejects it.

async function fetchApi(path, options = {}, accept = 'application/json') {
  let response;
  try {
    response =
        await fetch(`/api${path}`, {...options, headers: {Accept: accept, ...options.headers}});
  } catch (e) {
    throw new ApiError(`Cannot reach the weir server (${e.message})`, 0);
  }
  if (response.ok) return response;
  // Errors are {"error": "..."}; anything else (a proxy's page) still says what failed.
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) message = body.error;
  } catch {
    // Not JSON: keep the status line.
  }
  throw new ApiError(`${options.method || 'GET'} /api${path}: ${message}`, response.status);
}

async function api(path) {
  return (await fetchApi(path)).json();
}

async function apiText(path, accept) {
  return (await fetchApi(path, {}, accept)).text();
}

async function loadSession() {
  const session = await api('/session');
  csrfToken = session.csrf_token;
  return session;
}

// State-changing requests: POST, JSON body, CSRF header. A 403 may mean the server restarted
// and issued a new token, so the token is fetched again and the request retried once.
async function post(path, body = {}) {
  const send = async () => fetchApi(path, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-Weir-CSRF': csrfToken},
    body: JSON.stringify(body),
  });
  if (csrfToken === null) await loadSession();
  try {
    return await (await send()).json();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
    await loadSession();
    return (await send()).json();
  }
}

// ---------------------------------------------------------------------------------------------
// Error and notice bars: every failed request ends up in the error bar.

function showError(error) {
  const bar = document.getElementById('error-bar');
  document.getElementById('error-text').textContent =
      error instanceof Error ? error.message : String(error);
  bar.hidden = false;
  console.error(error);
}

function clearError() {
  document.getElementById('error-bar').hidden = true;
}

function showNotice(...children) {
  const bar = document.getElementById('notice-bar');
  fill(bar, children);
  bar.hidden = false;
}

function clearNotice() {
  document.getElementById('notice-bar').hidden = true;
}

// Runs `action` for a button, disabling it meanwhile so a double click does not send twice.
async function busy(button, action) {
  button.disabled = true;
  try {
    await action();
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Pages and routing

class Page {
  constructor(root) {
    this.root = root;
    this.alive = true;
    this.timers = new Set();
    this.charts = [];
  }

  // Calls `fn` every `ms` after the previous call finished (no overlapping requests) until it
  // returns false or the page is left. Errors go to the error bar and polling goes on, so a
  // server restart heals by itself.
  poll(ms, fn) {
    const tick = async () => {
      this.timers.delete(timer);
      if (!this.alive) return;
      let again = true;
      try {
        again = (await fn()) !== false;
      } catch (e) {
        if (this.alive) showError(e);
      }
      if (again && this.alive) {
        timer = setTimeout(tick, ms);
        this.timers.add(timer);
      }
    };
    let timer = setTimeout(tick, ms);
    this.timers.add(timer);
  }

  // Every chart fills its box and draws at once (no animation while a page polls).
  chart(canvas, config) {
    if (typeof Chart === 'undefined') {
      throw new Error('Chart.js did not load from /static/chart.min.js, so charts cannot be drawn');
    }
    const options = {responsive: true, maintainAspectRatio: false, animation: false, ...config.options};
    const chart = new Chart(canvas, {...config, options});
    this.charts.push(chart);
    return chart;
  }

  dispose() {
    this.alive = false;
    for (const timer of this.timers) clearTimeout(timer);
    for (const chart of this.charts) chart.destroy();
  }
}

// Each page's render function is called with the Page, the hash's query and the path's parts.
const ROUTES = [
  [/^\/pipelines$/, renderPipelines],
  [/^\/pipelines\/([^/]+)$/, renderPipeline],
  [/^\/pipelines\/([^/]+)\/runs\/([^/]+)$/, renderPipeline],
  [/^\/pipelines\/([^/]+)\/runs\/([^/]+)\/nodes\/([^/]+)\/log$/, renderLog],
  [/^\/artifacts\/(\d+)$/, renderArtifact],
  [/^\/artifacts\/(\d+)\/lineage$/, renderLineage],
];

let currentPage = null;
// A notice for the next page (navigating clears the bars, so one that announces where the user
// was just sent is held until the page changes).
let pendingNotice = null;

// The hash is "#/path?query"; the query holds a page's options (e.g. an artifact's split).
function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/pipelines';
  const [path, query = ''] = hash.split('?');
  return {path, params: new URLSearchParams(query)};
}

function setHashParams(params) {
  const {path} = parseHash();
  const query = params.toString();
  location.hash = `#${path}${query ? `?${query}` : ''}`;
}

async function route() {
  const {path, params} = parseHash();
  if (currentPage) currentPage.dispose();
  clearError();
  clearNotice();
  if (pendingNotice) showNotice(...pendingNotice);
  pendingNotice = null;
  const root = h('div', {class: 'page'});
  document.getElementById('page').replaceChildren(root);
  const page = currentPage = new Page(root);
  for (const nav of document.querySelectorAll('[data-nav]')) {
    nav.classList.toggle('active', path.startsWith(`/${nav.dataset.nav}`));
  }
  const match = ROUTES.map(([re, render]) => [path.match(re), render]).find(([m]) => m);
  if (!match) {
    root.append(
        h('p', {class: 'empty'}, `No page at #${path}. `, link('#/pipelines', 'Pipelines')));
    return;
  }
  const [m, render] = match;
  try {
    await render(page, params, ...m.slice(1).map(decodeURIComponent));
  } catch (e) {
    if (!page.alive) return;
    showError(e);
    root.append(h('p', {class: 'empty'}, 'This page could not be loaded: ', e.message));
  }
}

// ---------------------------------------------------------------------------------------------
// Pipelines page (#/pipelines)

async function renderPipelines(page) {
  const root = page.root;
  const list = h('tbody');
  const broken = h('div');

  const refreshAll = async () => {
    const data = await api('/pipelines');
    fill(broken, brokenBanner(data.broken));
    list.replaceChildren(...data.pipelines.map((p) => pipelineRow(p)));
    if (data.pipelines.length === 0) {
      list.append(
          h('tr', {},
            h('td', {colspan: 7, class: 'empty'},
              'No pipelines yet: put pipeline files in the pipelines folder weir watches.')));
    }
  };

  // One row; its own refresh button and actions replace just this row.
  const pipelineRow = (p) => {
    const row = h(
        'tr', {'data-pipeline': p.name, 'data-paused': String(p.paused)},
        h('td', {}, pauseToggle(p, (updated) => row.replaceWith(pipelineRow(updated)))),
        h('td', {}, link(pipelineHref(p.name), h('strong', {}, p.name)),
          p.error ? h('div', {class: 'file-error', title: p.error}, '⚠ file broken: ', p.error) :
                    null),
        h('td', {},
          p.schedule ?
              [
                h('code', {}, p.schedule), h('div', {class: 'muted small'}, p.schedule_description)
              ] :
              h('span', {class: 'muted'}, 'manual only')),
        h('td', {class: p.paused ? 'muted' : null}, fmtTime(p.next_run),
          p.paused ? ' (paused)' : null),
        h('td', {}, runDots(p)), h('td', {class: 'num'}, p.nodes),
        h('td', {class: 'actions'},
          h('button', {
            type: 'button',
            class: 'primary',
            'data-action': 'trigger',
            title: 'Start a run now',
            onclick: (e) => busy(
                e.currentTarget,
                async () => {
                  const runId = await triggerRun(p);
                  await refreshRow();
                  showNotice(...triggeredNotice(p, runId));
                })
          },
            '▶ Trigger'),
          h('button', {
            type: 'button',
            'data-action': 'refresh',
            title: 'Reload this pipeline',
            onclick: (e) => busy(e.currentTarget, refreshRow)
          },
            '↻')));
    const refreshRow = async () => {
      const updated = await api(`/pipelines/${enc(p.name)}`);
      // The detailed form lists nodes instead of counting them.
      row.replaceWith(pipelineRow({...updated, nodes: updated.nodes.length}));
    };
    return row;
  };

  root.append(
      h('div', {class: 'title-row'}, h('h1', {}, 'Pipelines'),
        h('button', {
          type: 'button',
          'data-action': 'refresh-all',
          title: 'Reload the list',
          onclick: (e) => busy(e.currentTarget, refreshAll)
        },
          '↻ Refresh')),
      broken,
      table(
          ['Active', 'Pipeline', 'Schedule', 'Next run (UTC)', 'Recent runs', 'Nodes', ''], list,
          {id: 'pipelines', class: 'list'}));
  await refreshAll();
  // Runs started elsewhere (the scheduler, the CLI) and running ones move the dots.
  page.poll(LIST_POLL_MS, refreshAll);
}

function brokenBanner(broken) {
  if (!broken || broken.length === 0) return null;
  return h(
      'div', {class: 'banner warning', id: 'broken-files'},
      h('strong', {},
        `${broken.length} pipeline file${broken.length > 1 ? 's' : ''} could not be loaded:`),
      h('ul', {}, broken.map((b) => h('li', {}, h('code', {}, b.file), h('pre', {}, b.error)))));
}

// Airflow's on/off switch: on means the pipeline is active (its schedule runs).
function pauseToggle(p, onChange) {
  const input = h('input', {
    type: 'checkbox',
    checked: !p.paused,
    'data-action': 'pause-toggle',
    'aria-label': p.paused ? `Unpause ${p.name}` : `Pause ${p.name}`
  });
  input.addEventListener('change', async () => {
    const wantPaused = !input.checked;
    input.disabled = true;
    try {
      const result = await post(`/pipelines/${enc(p.name)}/${wantPaused ? 'pause' : 'unpause'}`);
      onChange({...p, paused: result.paused});
    } catch (e) {
      input.checked = !p.paused;  // The server's state did not change.
      showError(e);
    } finally {
      input.disabled = false;
    }
  });
  return h(
      'label',
      {class: 'switch', title: p.paused ? 'Paused: click to activate' : 'Active: click to pause'},
      input, h('span', {class: 'slider'}));
}

function runDots(p) {
  if (p.recent_runs.length === 0) return h('span', {class: 'muted small'}, 'no runs yet');
  return h('span', {class: 'dots'}, p.recent_runs.map((r) => h('a', {
                                                        href: pipelineHref(p.name, r.run_id),
                                                        class: `dot state-${r.state}`,
                                                        'data-run-id': r.run_id,
                                                        'data-state': r.state,
                                                        title: `${r.run_id}: ${r.state}`
                                                      })));
}

async function triggerRun(p, conf) {
  const result = await post(`/pipelines/${enc(p.name)}/trigger`, conf ? {conf} : {});
  return result.run_id;
}

function triggeredNotice(p, runId) {
  return [
    `Triggered ${p.name}: run `,
    h('a', {href: pipelineHref(p.name, runId), 'data-run-id': runId, id: 'triggered-run'}, runId),
    p.paused ? ' (the pipeline is paused: the run stays queued until it is activated)' : null
  ];
}

// ---------------------------------------------------------------------------------------------
// Pipeline page (#/pipelines/NAME[/runs/RUN][?node=NODE]): graph, grid, run details and node
// actions for the selected run (the newest when the URL names none).

async function renderPipeline(page, params, name, runId) {
  const [pipeline, runList, svgText] = await Promise.all([
    api(`/pipelines/${enc(name)}`),
    api(`/runs?pipeline=${enc(name)}&limit=${RUN_CHOICES}`),
    apiText(`/pipelines/${enc(name)}/graph.svg`, 'image/svg+xml'),
  ]);
  const view = {
    page,
    name,
    pipeline,
    runs: runList.runs,  // Summaries, newest first.
    details: new Map(),  // run_id -> the run with its nodes
    runId: runId || (runList.runs[0] && runList.runs[0].run_id) || null,
    nodeId: params.get('node'),
    clearDownstream: true,
    polling: false,
    tab: localStorage.getItem('weir.pipelineTab') || 'graph',
  };
  if (view.runId) {
    const run = await api(`/runs/${enc(name)}/${enc(view.runId)}`);
    view.details.set(run.run_id, run);
    // A run older than the selector's list (an old link) is still offered.
    if (!view.runs.some((r) => r.run_id === run.run_id)) view.runs.push(run);
  }

  view.parts = {
    header: h('div'),
    runSelect: h('select', {
      id: 'run-select',
      'aria-label': 'Run',
      onchange: (e) => {
        location.hash = pipelineHref(name, e.target.value);
      }
    }),
    runSummary: h('div', {class: 'run-summary'}),
    tabs: h(
        'div', {class: 'tabs', role: 'tablist'},
        ['graph', 'grid'].map(
            (tab) => h(
                'button',
                {type: 'button', role: 'tab', 'data-tab': tab, onclick: () => selectTab(view, tab)},
                tab === 'graph' ? 'Graph' : 'Grid'))),
    graph: h('div', {id: 'graph', class: 'graph'}),
    grid: h('div', {id: 'grid-view', class: 'grid-view'}),
    nodes: h('div', {id: 'run-details'}),
    nodePanel: h('aside', {id: 'node-panel', class: 'node-panel', hidden: true}),
  };
  const parts = view.parts;
  page.root.append(
      crumbs(link('#/pipelines', 'Pipelines'), name), parts.header,
      h('div', {class: 'run-bar'}, h('label', {}, 'Run ', parts.runSelect), parts.runSummary),
      parts.tabs, parts.graph, parts.grid,
      h('div', {class: 'details-row'}, parts.nodes, parts.nodePanel));

  renderPipelineHeader(view);
  parts.graph.append(inlineSvg(svgText));
  for (const g of parts.graph.querySelectorAll('g.node')) {
    const nodeId = g.id.replace(/^node-/, '');
    g.dataset.nodeId = nodeId;
    g.addEventListener('click', () => selectNode(view, nodeId));
  }
  selectTab(view, view.tab);
  renderRunBar(view);
  updateRunViews(view);
  await loadGrid(view);
  watchRun(view);
  // New runs (scheduled, or triggered from the CLI) and runs that changed state elsewhere show
  // up in the selector, the grid and, for the selected run, everywhere.
  page.poll(LIST_POLL_MS, async () => {
    const latest = (await api(`/runs?pipeline=${enc(name)}&limit=${RUN_CHOICES}`)).runs;
    const known = new Map(view.runs.map((r) => [r.run_id, r.state]));
    if (!latest.some((r) => known.get(r.run_id) !== r.state)) return;
    view.runs = latest.concat(view.runs.filter((r) => !latest.some((l) => l.run_id === r.run_id)));
    await loadGrid(view);
    renderRunBar(view);
    updateRunViews(view);
    watchRun(view);
  });
}

function renderPipelineHeader(view) {
  const p = view.pipeline;
  const conf = h('textarea', {
    rows: 3,
    cols: 50,
    spellcheck: 'false',
    placeholder: '{"key": "value"}',
    'aria-label': 'Run configuration (JSON object)'
  });
  const trigger = async (withConf) => {
    let body;
    if (withConf && conf.value.trim()) {
      try {
        body = JSON.parse(conf.value);
      } catch (e) {
        throw new Error(`The run configuration is not JSON: ${e.message}`);
      }
    }
    const runId = await triggerRun(p, body);
    pendingNotice = triggeredNotice(p, runId);
    location.hash = pipelineHref(p.name, runId);
  };
  fill(
      view.parts.header,
      h('div', {class: 'pipeline-header', 'data-pipeline': p.name, 'data-paused': String(p.paused)},
        h('div', {class: 'title-row'},
          pauseToggle(
              p,
              (updated) => {
                view.pipeline = {...p, paused: updated.paused};
                renderPipelineHeader(view);
              }),
          h('h1', {}, p.name),
          h('button', {
            type: 'button',
            class: 'primary',
            'data-action': 'trigger',
            onclick: (e) => busy(e.currentTarget, () => trigger(false))
          },
            '▶ Trigger'),
          h('details', {class: 'conf'}, h('summary', {}, 'with config…'),
            h('div', {class: 'conf-body'}, conf,
              h('button',
                {type: 'button', onclick: (e) => busy(e.currentTarget, () => trigger(true))},
                'Trigger with this config')))),
        facts(
            [
              [
                'Schedule',
                p.schedule ?
                    [
                      h('code', {}, p.schedule), ' ',
                      h('span', {class: 'muted'}, p.schedule_description)
                    ] :
                    'manual only'
              ],
              ['Next run', p.paused ? [fmtTime(p.next_run), ' (paused)'] : fmtTime(p.next_run)],
              ['File', h('code', {}, p.file)],
              ['Nodes', p.nodes.length],
            ]),
        p.error ? h('div', {class: 'banner warning'},
                    h('strong', {}, 'The pipeline file is broken; this is its last good version.'),
                    h('pre', {}, p.error)) :
                  null));
}

// Parses the server's Graphviz SVG (as SVG, so that nothing in it runs) and gives it its natural
// size, shrunk to the page's width when wider (CSS max-width; the viewBox keeps the proportions).
function inlineSvg(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg')
    throw new Error('The pipeline graph from the server is not an SVG image');
  const width = svg.getAttribute('width');
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  if (width) svg.style.width = width;
  return document.importNode(svg, true);
}

function selectTab(view, tab) {
  view.tab = tab;
  localStorage.setItem('weir.pipelineTab', tab);
  view.parts.graph.hidden = tab !== 'graph';
  view.parts.grid.hidden = tab !== 'grid';
  for (const b of view.parts.tabs.querySelectorAll('[data-tab]')) {
    b.classList.toggle('active', b.dataset.tab === tab);
    b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  }
}

// Updates the run selector in place (rebuilding it would close it under the user's pointer
// every second while a run is live) and the selected run's summary.
function renderRunBar(view) {
  const select = view.parts.runSelect;
  const label = (r) => `${r.run_id} (${r.state})`;
  const ids = view.runs.map((r) => r.run_id);
  if (ids.join('\n') !== [...select.options].map((o) => o.value).join('\n')) {
    select.replaceChildren(...view.runs.map((r) => h('option', {value: r.run_id}, label(r))));
    if (ids.length === 0) select.append(h('option', {value: ''}, 'no runs yet'));
    select.value = view.runId || '';
  } else {
    view.runs.forEach((r, i) => {
      select.options[i].textContent = label(r);
    });
  }
  const run = view.details.get(view.runId);
  fill(view.parts.runSummary, run && [
    h('span', {id: 'run-state', 'data-state': run.state}, stateBadge(run.state)), facts([
      ['Trigger', run.trigger], ['Logical date', fmtTime(run.logical_date)],
      ['Data interval from', run.data_interval_start ? fmtTime(run.data_interval_start) : null],
      ['Queued', fmtTime(run.queued_at)], ['Started', fmtTime(run.started)],
      ['Ended', fmtTime(run.ended)], ['Duration', fmtDuration(run.duration_ms)],
      [
        'Conf',
        run.conf && Object.keys(run.conf).length ? h('code', {}, JSON.stringify(run.conf)) : null
      ]
    ])
  ]);
}

// Records a fresh copy of a run and refreshes everything that shows it.
function runChanged(view, run) {
  view.details.set(run.run_id, run);
  const summary = view.runs.find((r) => r.run_id === run.run_id);
  if (summary) summary.state = run.state;
  renderRunBar(view);
  updateRunViews(view);
  renderGrid(view);
}

// Polls the selected run every second while it is queued or running.
function watchRun(view) {
  const run = view.details.get(view.runId);
  if (view.polling || !run || !ACTIVE_RUN_STATES.has(run.state)) return;
  view.polling = true;
  view.page.poll(POLL_MS, async () => {
    const fresh = await api(`/runs/${enc(view.name)}/${enc(view.runId)}`);
    runChanged(view, fresh);
    view.polling = ACTIVE_RUN_STATES.has(fresh.state);
    return view.polling;
  });
}

// Brings the graph's colours, the node table and the node panel up to date with the run.
function updateRunViews(view) {
  const run = view.details.get(view.runId);
  const states = new Map(run ? run.nodes.map((n) => [n.id, n.state]) : []);
  for (const g of view.parts.graph.querySelectorAll('g.node')) {
    const state = states.get(g.dataset.nodeId) || 'none';
    for (const s of NODE_STATES) g.classList.toggle(`state-${s}`, s === state);
    g.classList.toggle('selected', g.dataset.nodeId === view.nodeId);
    g.dataset.state = state;
  }
  renderNodeTable(view);
  renderNodePanel(view);
}

function renderNodeTable(view) {
  const run = view.details.get(view.runId);
  if (!run) {
    fill(
        view.parts.nodes,
        h('p', {class: 'empty'},
          'This pipeline has not run yet: trigger it, or activate it to run on its schedule.'));
    return;
  }
  fill(
      view.parts.nodes, h('h2', {}, 'Run details'),
      table(
          ['Node', 'State', 'Try', 'Started', 'Duration', 'Outputs', 'Error', ''],
          run.nodes.map((n) => nodeRow(view, run, n)), {id: 'nodes', class: 'list'}));
}

function nodeRow(view, run, n) {
  const output = (o) =>
      h('div', {},
        h('a', {
          href: artifactHref(o.artifact_id),
          title: o.uri,
          'data-artifact-id': o.artifact_id,
          'data-artifact-type': o.type,
          'data-output': o.name,
        },
          o.name),
        h('span', {class: 'muted small'}, ` ${o.type} #${o.artifact_id}`));
  return h(
      'tr', {
        'data-node-id': n.id,
        'data-state': n.state,
        class: n.id === view.nodeId ? 'selected' : null,
        onclick: (e) => {
          if (!e.target.closest('a')) selectNode(view, n.id);
        },
      },
      h('td', {}, h('strong', {}, n.id),
        n.component !== n.id ? h('div', {class: 'muted small'}, n.component) : null),
      h('td', {}, stateBadge(n.state)), h('td', {class: 'num'}, n.try_number || DASH),
      h('td', {}, fmtClock(n.started)), h('td', {class: 'num'}, fmtDuration(n.duration_ms)),
      h('td', {}, n.outputs.map(output)),
      h('td', {class: 'error-cell', title: n.error}, n.error || ''),
      h('td', {}, n.try_number > 0 ? link(logHref(view.name, run.run_id, n.id), 'log') : null));
}

function selectNode(view, nodeId) {
  view.nodeId = nodeId;
  updateRunViews(view);
  renderGrid(view);
}

// The selected node's actions, as in Airflow's task instance dialog: view its log, clear it
// (optionally with its downstream nodes) so that it runs again, or mark it successful.
function renderNodePanel(view) {
  const panel = view.parts.nodePanel;
  const run = view.details.get(view.runId);
  const node = run && run.nodes.find((n) => n.id === view.nodeId);
  panel.hidden = !node;
  if (!node) return;
  const base = `/runs/${enc(view.name)}/${enc(run.run_id)}/nodes/${enc(node.id)}`;
  const afterChange = async () => {
    runChanged(view, await api(`/runs/${enc(view.name)}/${enc(run.run_id)}`));
    watchRun(view);
  };
  const clear = async () => {
    const downstream = view.clearDownstream;
    if (!confirm(
            `Clear ${node.id}${downstream ? ' and its downstream nodes' : ''} in run ${
                run.run_id}? ` +
            'They will run again.'))
      return;
    const result = await post(`${base}/clear`, {downstream});
    showNotice(`Cleared ${result.cleared.join(', ')}: they will run again.`);
    await afterChange();
  };
  const markSuccess = async () => {
    if (!confirm(`Mark ${node.id} as successful in run ${run.run_id}?`)) return;
    await post(`${base}/mark_success`);
    showNotice(`Marked ${node.id} as successful.`);
    await afterChange();
  };
  fill(
      panel, h('h2', {}, node.id, ' ', stateBadge(node.state)),
      facts(
          [
            ['Component', node.component], ['Try', node.try_number || DASH],
            ['Execution', node.execution_id], ['Started', fmtTime(node.started)],
            ['Ended', fmtTime(node.ended)], ['Duration', fmtDuration(node.duration_ms)],
            ['Upstream', node.upstream.join(', ') || DASH]
          ],
          true),
      node.error ? h('pre', {class: 'error-text'}, node.error) : null,
      h('div', {class: 'panel-actions'},
        node.try_number > 0 &&
            h('a', {
              class: 'button',
              href: logHref(view.name, run.run_id, node.id),
              'data-action': 'log'
            },
              'View log'),
        h('span', {class: 'action-group'},
          h('button',
            {type: 'button', 'data-action': 'clear', onclick: (e) => busy(e.currentTarget, clear)},
            'Clear'),
          h('label', {class: 'small'}, h('input', {
              type: 'checkbox',
              id: 'clear-downstream',
              checked: view.clearDownstream,
              onchange: (e) => {
                view.clearDownstream = e.target.checked;
              }
            }),
            ' downstream')),
        h('button', {
          type: 'button',
          'data-action': 'mark-success',
          disabled: node.state === 'success',
          onclick: (e) => busy(e.currentTarget, markSuccess)
        },
          'Mark success')));
}

// Fetches the node states of the grid's runs that changed since last time, one request per run
// (the run list has no node states).
async function loadGrid(view) {
  const stale = view.runs.slice(0, GRID_RUNS).filter((r) => {
    const known = view.details.get(r.run_id);
    return !known || known.state !== r.state;
  });
  const fresh =
      await Promise.all(stale.map((r) => api(`/runs/${enc(view.name)}/${enc(r.run_id)}`)));
  if (!view.page.alive) return;
  for (const run of fresh) view.details.set(run.run_id, run);
  renderGrid(view);
}

// Runs as columns (newest first) and nodes as rows; each cell is a node's state in that run.
function renderGrid(view) {
  const runs = view.runs.slice(0, GRID_RUNS).map((r) => view.details.get(r.run_id)).filter(Boolean);
  if (runs.length === 0) {
    fill(view.parts.grid, h('p', {class: 'empty'}, 'No runs yet.'));
    return;
  }
  const longest = Math.max(1, ...runs.map((r) => r.duration_ms || 0));
  const selectedClass = (r) => (r.run_id === view.runId ? 'selected' : null);
  const head =
      h('tr', {}, h('th', {class: 'grid-corner'}, 'Node \\ run'),
        runs.map(
            (r) => h('th', {class: selectedClass(r)}, h('a', {
                       href: pipelineHref(view.name, r.run_id),
                       class: `run-bar-cell state-${r.state}`,
                       'data-run-id': r.run_id,
                       title: `${r.run_id}: ${r.state}, ${fmtDuration(r.duration_ms)}`,
                       style: `height: ${4 + Math.round((36 * (r.duration_ms || 0)) / longest)}px`
                     }))));
  const cell = (node, r) => {
    const n = r.nodes.find((x) => x.id === node.id);
    const state = n ? n.state : 'none';
    // A cell of the selected run selects its node in place; another run's opens that run.
    const onclick = r.run_id === view.runId ? (e) => {
      e.preventDefault();
      selectNode(view, node.id);
    } : null;
    return h(
        'td', {
          class: selectedClass(r),
          'data-run-id': r.run_id,
          'data-node-id': node.id,
          'data-state': state
        },
        h('a', {
          href: `${pipelineHref(view.name, r.run_id)}?node=${enc(node.id)}`,
          class: `cell state-${state}`,
          title: `${node.id} in ${r.run_id}: ${state}`,
          onclick
        }));
  };
  const rows = view.pipeline.nodes.map(
      (node) =>
          h('tr', {class: node.id === view.nodeId ? 'selected' : null},
            h('th', {class: 'grid-node', onclick: () => selectNode(view, node.id)}, node.id),
            runs.map((r) => cell(node, r))));
  fill(
      view.parts.grid,
      h('table', {id: 'grid', class: 'grid'}, h('thead', {}, head), h('tbody', {}, rows)),
      h('p', {class: 'muted small'}, 'Newest run first; bar heights are run durations. ',
        stateLegend()));
}

function stateLegend() {
  return h(
      'span', {class: 'legend'},
      NODE_STATES.map(
          (s) => h('span', {}, h('span', {class: `cell state-${s}`}), s.replace(/_/g, ' '))));
}

// ---------------------------------------------------------------------------------------------
// Log page (#/pipelines/NAME/runs/RUN/nodes/NODE/log): a live tail until the node finishes.

async function renderLog(page, params, name, runId, nodeId) {
  const root = page.root;
  const pre = h('pre', {id: 'log', class: 'log'});
  const status = h('span', {id: 'log-status', class: 'muted'});
  const wanted = params.get('try');
  const query = (offset) =>
      `/runs/${enc(name)}/${enc(runId)}/nodes/${enc(nodeId)}/log?offset=${offset}` +
      (wanted ? `&try=${enc(wanted)}` : '');
  const first = await api(query(0));
  const trySelect =
      h('select', {
        id: 'try-select',
        'aria-label': 'Try',
        value: wanted || String(first.tries),
        onchange: () => setHashParams(new URLSearchParams({
          try: trySelect
            .value
        }))
      },
        Array.from({length: first.tries}, (_, i) => h('option', {value: i + 1}, `try ${i + 1}`)));
  root.append(
      crumbs(
          link('#/pipelines', 'Pipelines'), link(pipelineHref(name), name),
          link(pipelineHref(name, runId), runId), `${nodeId} log`),
      h('div', {class: 'title-row'}, h('h1', {}, `${nodeId} log`), trySelect, status), pre);

  let offset = 0;
  const show = (chunk) => {
    // Follows the end only when the reader is already there, so scrolling back to read works.
    const atEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 20;
    pre.append(chunk.text);
    offset = chunk.next_offset;
    const done = chunk.complete && chunk.next_offset === chunk.offset;
    status.textContent = chunk.complete ? 'complete' : 'live: following the log…';
    status.dataset.complete = String(chunk.complete);
    if (atEnd && chunk.text) window.scrollTo(0, document.body.scrollHeight);
    if (pre.textContent === '' && chunk.complete)
      pre.append(h('span', {class: 'muted'}, '(empty log)'));
    return !done;
  };
  // A finished log longer than one response (1 MiB) is read to its end.
  if (show(first)) {
    page.poll(POLL_MS, async () => show(await api(query(offset))));
  }
}

// ---------------------------------------------------------------------------------------------
// Artifact page (#/artifacts/ID): header and the view for the artifact's kind.

const VIEWS = {
  statistics: viewStatistics,
  schema: viewSchema,
  anomalies: viewAnomalies,
  transform: viewTransform,
  training: viewTraining,
  model: viewModel,
  evaluation: viewEvaluation,
  blessing: viewBlessing,
  pushed_model: viewPushedModel,
  examples: viewExamples,
};

async function renderArtifact(page, params, id) {
  const root = page.root;
  // The view may fail on its own (e.g. a uri outside the artifact root): the header stays.
  const [artifact, viewResult] =
      await Promise.allSettled([api(`/artifacts/${id}`), api(`/artifacts/${id}/view`)]);
  if (artifact.status === 'rejected') throw artifact.reason;
  root.append(artifactHeader(artifact.value));
  const body = h('div', {id: 'artifact-view'});
  root.append(body);
  if (viewResult.status === 'rejected') {
    showError(viewResult.reason);
    body.append(
        h('p', {class: 'empty'}, 'This artifact cannot be shown: ', viewResult.reason.message));
    return;
  }
  const view = viewResult.value;
  body.dataset.kind = view.kind;
  const render = VIEWS[view.kind];
  if (render) {
    await render(page, body, view, params);
  } else {
    body.append(section(`Data (${view.kind})`, h('pre', {}, JSON.stringify(view.data, null, 2))));
  }
}

function artifactHeader(a) {
  const p = a.producer;
  const execution = (e) =>
      h('span', {class: 'exec'},
        link(`${pipelineHref(e.pipeline, e.run_id)}?node=${enc(e.node)}`, e.node),
        h('span', {class: 'muted'}, ' in '), link(pipelineHref(e.pipeline, e.run_id), e.run_id),
        ` (${e.state})`, e.input ? h('span', {class: 'muted'}, ` as ${e.input}`) : null);
  // Every later run that reads or reuses an artifact adds one: the first few, then the rest folded.
  const executions = (list) => {
    if (!list || list.length === 0) return null;
    const shown = list.slice(0, 4).map(execution);
    if (list.length <= 4) return shown;
    return [
      shown,
      h('details', {class: 'inline'}, h('summary', {}, `${list.length - 4} more`),
        list.slice(4).map(execution))
    ];
  };
  const props = {...a.declared_properties, ...a.properties};
  return h(
      'div', {class: 'artifact-header'},
      crumbs(
          link('#/pipelines', 'Pipelines'), p ? link(pipelineHref(p.pipeline), p.pipeline) : null,
          p ? link(pipelineHref(p.pipeline, p.run_id), p.run_id) : null, `artifact ${a.id}`),
      h('div', {class: 'title-row'}, h('h1', {}, `${a.type} #${a.id}`),
        a.name ? h('span', {class: 'muted'}, a.name) : null, stateBadge(a.state),
        link(`${artifactHref(a.id)}/lineage`, 'Lineage →')),
      facts(
          [
            ['URI', h('code', {}, a.uri)],
            ['Created', fmtTime(a.created)],
            [
              'Produced by',
              p ?
                  [
                    execution(p),
                    p.output ? h('span', {class: 'muted'}, ` as its ${p.output} output`) : null
                  ] :
                  DASH
            ],
            ['Reused by', executions(a.reused_by)],
            ['Read by', executions(a.consumers)],
            [
              'Properties',
              Object.keys(props).length ?
                  Object.entries(props).map(
                      ([k, v]) =>
                          h('code', {class: 'prop'},
                            `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)) :
                  null
            ],
          ],
          true));
}

// --- Statistics (TFDV's facets overview): numeric and string tables, histograms, a split and a
// split to compare it with.

async function viewStatistics(page, body, view, params) {
  const names = view.data.datasets.map((d) => d.name);
  if (names.length === 0) {
    body.append(h('p', {class: 'empty'}, 'These statistics have no splits.'));
    return;
  }
  const split = names.includes(params.get('split')) ?
      params.get('split') :
      (names.includes('train') ? 'train' : names[0]);
  const compare = names.includes(params.get('compare')) && params.get('compare') !== split ?
      params.get('compare') :
      '';
  // Statistics of a span can be set beside the same split of another span's (the statistics the
  // same node made of it): the choice "span:<artifact id>".
  const thisSpan = view.data.span;
  const otherSpans = (view.data.spans || []).filter((s) => s.span !== thisSpan);
  const spanOf = (id) => otherSpans.find((s) => String(s.artifact_id) === id);
  const compareSpan = compare ? undefined : spanOf(params.get('compare_artifact') || '');
  const spanLabel = (span) => `span ${span} · ${split}`;
  let sides;  // [{label, dataset}], one or two
  if (compare || compareSpan) {
    const query = compare ? `compare=${enc(compare)}` :
                            `compare_artifact=${enc(String(compareSpan.artifact_id))}`;
    const pair = (await api(`/artifacts/${view.artifact.id}/view?split=${enc(split)}&${query}`))
                     .data.comparisons[0];
    sides = compare ? [{label: split, dataset: pair.left}, {label: compare, dataset: pair.right}] :
                      [
                        {label: spanLabel(thisSpan), dataset: pair.left},
                        {label: spanLabel(compareSpan.span), dataset: pair.right}
                      ];
  } else {
    sides = [{label: split, dataset: view.data.datasets.find((d) => d.name === split)}];
  }
  const pick = (id, label, value, choices, onChange) =>
      h('label', {}, label, ' ',
        h('select', {id, value, onchange: (e) => onChange(e.target.value)},
          choices.map(([v, text]) => h('option', {value: v}, text))));
  const setParam = (key, value) => {
    const next = new URLSearchParams({split, compare});
    if (compareSpan) next.set('compare_artifact', String(compareSpan.artifact_id));
    if (key === 'compare') {
      next.delete('compare_artifact');
      if (value.startsWith('span:')) {
        next.set('compare_artifact', value.slice('span:'.length));
        value = '';
      }
    }
    next.set(key, value);
    if (!next.get('compare') || next.get('compare') === next.get('split')) next.delete('compare');
    setHashParams(next);
  };
  const filter = h('input', {
    type: 'search',
    id: 'feature-filter',
    placeholder: 'Filter features',
    oninput: () => {
      const needle = filter.value.toLowerCase();
      for (const group of body.querySelectorAll('tbody[data-feature]')) {
        group.hidden = !group.dataset.feature.toLowerCase().includes(needle);
      }
    }
  });
  body.append(
      h('div', {class: 'toolbar'},
        pick('split-select', 'Split', split, names.map((n) => [n, n]), (v) => setParam('split', v)),
        pick(
            'compare-select', 'Compare with',
            compareSpan ? `span:${compareSpan.artifact_id}` : compare,
            [
              ['', 'nothing'], ...names.filter((n) => n !== split).map((n) => [n, n]),
              ...otherSpans.map((s) => [`span:${s.artifact_id}`, `${split} of span ${s.span}`])
            ],
            (v) => setParam('compare', v)),
        filter,
        h('span', {class: 'muted small'},
          sides.map((s) => `${s.label}: ${s.dataset.num_examples} examples`).join(' · '))));

  // Features by name, each with its statistics on every side (null where absent).
  const featureNames =
      [...new Set(sides.flatMap((s) => s.dataset.features.map((f) => f.name)))].sort();
  const features = featureNames.map(
      (name) => ({
        name,
        stats: sides.map((s) => s.dataset.features.find((f) => f.name === name) || null)
      }));
  const kindOf = (f) => (f.stats.find(Boolean).numeric ? 'numeric' : 'categorical');
  const numeric = features.filter((f) => kindOf(f) === 'numeric');
  const categorical = features.filter((f) => kindOf(f) === 'categorical');
  if (numeric.length)
    body.append(
        section(`Numeric features (${numeric.length})`, numericTable(page, numeric, sides)));
  if (categorical.length) {
    body.append(section(
        `Categorical features (${categorical.length})`, categoricalTable(categorical, sides)));
  }
}

// One <tbody> per feature (so a comparison's two rows stay together and filtering hides both).
function numericTable(page, features, sides) {
  const head = [
    'Feature', sides.length > 1 ? 'Data' : null, 'Type', 'Count', 'Missing', 'Mean', 'Std dev',
    'Zeros', 'Min', 'Median', 'Max', sides.length > 1 ? 'Histogram (% of each)' : 'Histogram'
  ].filter((c) => c !== null);
  const groups = features.map((feature) => {
    const canvas =
        h('canvas', {'data-feature': feature.name, 'aria-label': `Histogram of ${feature.name}`});
    const rows = feature.stats.map((f, i) => {
      const cells =
          [sides.length > 1 ?
               h('td', {class: 'side'}, h('span', {class: `swatch s${i}`}), sides[i].label) :
               null];
      if (!f) {
        cells.push(h('td', {colspan: 9, class: 'muted'}, 'absent'));
      } else if (!f.numeric) {
        cells.push(
            h('td', {}, f.type),
            h('td', {colspan: 8, class: 'muted'}, `type changed to ${f.type}`));
      } else {
        const n = f.numeric;
        const total = f.num_values ? f.num_values.total : f.count;
        cells.push(
            h('td', {}, f.type), h('td', {class: 'num'}, fmtNum(f.count)),
            h('td', {class: `num ${f.missing_fraction > 0 ? 'warn' : ''}`},
              fmtPct(f.missing_fraction)),
            h('td', {class: 'num'}, fmtNum(n.mean)), h('td', {class: 'num'}, fmtNum(n.std_dev)),
            h('td', {class: `num ${n.zeros > 0 && total ? 'note' : ''}`},
              total ? fmtPct(n.zeros / total) : DASH),
            h('td', {class: 'num'}, fmtNum(n.min)), h('td', {class: 'num'}, fmtNum(n.median)),
            h('td', {class: 'num'}, fmtNum(n.max)));
      }
      return h(
          'tr', {},
          i === 0 ? h('td', {rowspan: feature.stats.length, class: 'feature'}, feature.name) : null,
          cells,
          i === 0 ? h('td', {rowspan: feature.stats.length, class: 'chart-cell'},
                      h('div', {class: 'mini-chart'}, canvas)) :
                    null);
    });
    return {feature, canvas, tbody: h('tbody', {'data-feature': feature.name}, rows)};
  });
  const el = h(
      'div', {class: 'scroll'},
      h('table', {class: 'list stats', id: 'numeric-features'},
        h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))), groups.map((g) => g.tbody)));
  // Charts need their canvas in the document to size themselves.
  requestAnimationFrame(() => {
    if (!page.alive) return;
    for (const g of groups) histogramChart(page, g.canvas, g.feature.stats, sides);
  });
  return el;
}

function histogramChart(page, canvas, stats, sides) {
  const present =
      stats.map((f, i) => ({f, i})).filter(({f}) => f && f.numeric && f.numeric.histogram.length);
  if (present.length === 0) return;
  let labels;
  let datasets;
  if (sides.length === 1) {
    const buckets = present[0].f.numeric.histogram;
    labels = buckets.map((b) => `${fmtNum(b.low)} – ${fmtNum(b.high)}`);
    datasets = [
      {label: sides[0].label, data: buckets.map((b) => b.count), backgroundColor: SERIES_COLOURS[0]}
    ];
  } else {
    // The two splits' buckets differ; both are redrawn over the union of their ranges and as
    // shares of their totals, so that bars line up and splits of different sizes compare.
    const low = Math.min(...present.map(({f}) => f.numeric.histogram[0].low));
    const high = Math.max(...present.map(({f}) => f.numeric.histogram.at(-1).high));
    const count = 10;
    const width = (high - low) / count || 1;
    labels = Array.from(
        {length: count}, (_, k) => `${fmtNum(low + k * width)} – ${fmtNum(low + (k + 1) * width)}`);
    datasets = present.map(({f, i}) => {
      const counts = rebucket(f.numeric.histogram, low, width, count);
      const total = counts.reduce((a, b) => a + b, 0) || 1;
      return {
        label: sides[i].label,
        data: counts.map((c) => (100 * c) / total),
        backgroundColor: SERIES_COLOURS[i]
      };
    });
  }
  page.chart(canvas, {
    type: 'bar',
    data: {labels, datasets},
    options: {
      plugins: {
        legend: {display: false},
        tooltip: {
          callbacks: {
            label: (ctx) => `${ctx.dataset.label}: ${
                sides.length > 1 ? `${fmtNum(ctx.parsed.y)}%` : fmtNum(ctx.parsed.y)}`
          }
        }
      },
      scales: {x: {display: false, grid: {display: false}}, y: {display: false, beginAtZero: true}},
      datasets: {bar: {barPercentage: 1, categoryPercentage: sides.length > 1 ? 0.9 : 1}},
    },
  });
}

// Spreads each source bucket's count uniformly over its range into `count` buckets of `width`
// from `low` (what `weir show stats --compare` does for its text histograms).
function rebucket(histogram, low, width, count) {
  const out = new Array(count).fill(0);
  for (const b of histogram) {
    const span = b.high - b.low;
    if (span <= 0) {
      out[Math.min(count - 1, Math.max(0, Math.floor((b.low - low) / width)))] += b.count;
      continue;
    }
    for (let k = 0; k < count; k++) {
      const lo = low + k * width;
      const overlap = Math.min(b.high, lo + width) - Math.max(b.low, lo);
      if (overlap > 0) out[k] += (b.count * overlap) / span;
    }
  }
  return out;
}

function categoricalTable(features, sides) {
  const head = [
    'Feature', sides.length > 1 ? 'Data' : null, 'Type', 'Count', 'Missing', 'Unique', 'Avg length',
    'Top values'
  ].filter((c) => c !== null);
  const groups = features.map(
      (feature) => h('tbody', {'data-feature': feature.name}, feature.stats.map((f, i) => {
        const cells =
            [sides.length > 1 ?
                 h('td', {class: 'side'}, h('span', {class: `swatch s${i}`}), sides[i].label) :
                 null];
        if (!f) {
          cells.push(h('td', {colspan: 6, class: 'muted'}, 'absent'));
        } else if (f.numeric) {
          cells.push(
              h('td', {}, f.type),
              h('td', {colspan: 5, class: 'muted'}, `type changed to ${f.type}`));
        } else {
          const s = f.string || {};
          const b = f.bytes;
          cells.push(
              h('td', {}, f.type), h('td', {class: 'num'}, fmtNum(f.count)),
              h('td', {class: `num ${f.missing_fraction > 0 ? 'warn' : ''}`},
                fmtPct(f.missing_fraction)),
              h('td', {class: 'num'}, fmtNum(b ? b.unique : s.unique)),
              h('td', {class: 'num'}, fmtNum(b ? b.avg_num_bytes : s.avg_length)),
              h('td', {},
                b ? h('span', {class: 'muted'},
                      `${fmtNum(b.min_num_bytes)} to ${fmtNum(b.max_num_bytes)} bytes`) :
                    topValues(s.top_values || [], f.count, i)));
        }
        return h(
            'tr', {},
            i === 0 ? h('td', {rowspan: feature.stats.length, class: 'feature'}, feature.name) :
                      null,
            cells);
      })));
  return h(
      'div', {class: 'scroll'},
      h('table', {class: 'list stats', id: 'categorical-features'},
        h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))), groups));
}

// The most frequent values with bars scaled to the examples that have the feature.
function topValues(values, count, side) {
  if (values.length === 0) return h('span', {class: 'muted'}, DASH);
  const shown = values.slice(0, 5);
  return h(
      'div', {class: 'top-values'},
      shown.map(
          (v) => h(
              'div', {class: 'top-value', title: `${v.value}: ${fmtNum(v.frequency)}`}, h('span', {
                class: `bar s${side}`,
                style: `width: ${
                    Math.min(100, Math.max(1, Math.round((100 * v.frequency) / (count || 1))))}%`
              }),
              h('span', {class: 'label'}, v.value),
              h('span', {class: 'freq'}, fmtNum(v.frequency)))),
      values.length > shown.length ?
          h('div', {class: 'muted small'}, `+${values.length - shown.length} more listed`) :
          null);
}

// --- Schema (TFDV's display_schema)

function viewSchema(page, body, view) {
  const d = view.data;
  const presence = (p) =>
      (!p ? DASH :
           p.required ?
            'required' :
            `optional${p.min_fraction ? `, min_fraction ${fmtNum(p.min_fraction)}` : ''}${
                p.min_count ? `, min_count ${p.min_count}` : ''}`);
  const domain = (dom) => {
    if (!dom) return DASH;
    if (dom.name) return jumpLink(`domain-${dom.name}`, dom.name);
    if (dom.values) return [`${dom.kind} `, abbreviatedList(dom.values, 6)];
    return `${dom.kind} [${fmtNum(dom.min ?? '-inf')}, ${fmtNum(dom.max ?? 'inf')}]`;
  };
  body.append(section(
      `Features (${d.features.length})`,
      table(
          ['Feature', 'Type', 'Presence', 'Valency', 'Domain', 'Lifecycle'],
          d.features.map(
              (f) =>
                  h('tr', {'data-feature': f.name}, h('td', {class: 'feature'}, f.name),
                    h('td', {}, f.type), h('td', {}, presence(f.presence)),
                    h('td', {}, f.valency || (f.shape ? `shape [${f.shape.join(', ')}]` : DASH)),
                    h('td', {}, domain(f.domain)),
                    h('td', {class: 'muted'}, f.lifecycle_stage || ''))),
          {class: 'list', id: 'schema-features'})));
  if (d.domains && d.domains.length) {
    body.append(section(
        `Domains (${d.domains.length})`,
        table(
            ['Domain', 'Kind', 'Values'],
            d.domains.map(
                (dom) =>
                    h('tr', {id: `domain-${dom.name}`}, h('td', {class: 'feature'}, dom.name),
                      h('td', {}, dom.kind),
                      h('td', {},
                        dom.values ?
                            [
                              h('span', {class: 'muted'}, `${dom.values.length}: `),
                              abbreviatedList(dom.values)
                            ] :
                            `[${fmtNum(dom.min)}, ${fmtNum(dom.max)}]`))),
            {class: 'list'})));
  }
  const c = d.dataset_constraints;
  if (c) {
    body.append(section(
        'Dataset constraints',
        facts([['Min examples', c.min_examples_count], ['Max examples', c.max_examples_count]])));
  }
}

// --- Anomalies (TFDV's display_anomalies)

function viewAnomalies(page, body, view) {
  for (const split of view.data.splits) {
    const anomalies = [...split.anomalies];
    if (split.dataset_anomaly) anomalies.unshift({feature: '(dataset)', ...split.dataset_anomaly});
    const content = [];
    if (split.data_missing)
      content.push(h('div', {class: 'banner warning'}, 'The data of this split is missing.'));
    content.push(
        anomalies.length === 0 ?
            h('p', {class: 'ok-text', 'data-anomalies': '0'}, 'No anomalies found.') :
            table(
                ['Feature', 'Severity', 'Short description', 'Description'],
                anomalies.map(
                    (a) =>
                        h('tr', {'data-feature': a.feature, 'data-severity': a.severity},
                          h('td', {class: 'feature'}, a.feature),
                          h('td', {},
                            h('span', {class: `badge severity-${String(a.severity).toLowerCase()}`},
                              a.severity)),
                          h('td', {}, a.short_description),
                          h('td', {class: 'wrap'}, a.description,
                            a.reasons && a.reasons.length > 1 ?
                                h('ul', {class: 'small'},
                                  a.reasons.map(
                                      (r) =>
                                          h('li', {}, h('code', {}, r.type), ' ', r.description))) :
                                null))),
                {class: 'list anomalies', 'data-anomalies': anomalies.length}));
    if (split.drift_skew && split.drift_skew.length) {
      content.push(
          h('h3', {}, 'Drift and skew'),
          table(
              ['Feature', 'Check', 'Measure', 'Value', 'Threshold', 'Result'],
              split.drift_skew.map(
                  (m) =>
                      h('tr', {class: m.over_threshold ? 'bad' : null},
                        h('td', {class: 'feature'}, m.feature), h('td', {}, m.check),
                        h('td', {}, m.measure), h('td', {class: 'num'}, fmtNum(m.value)),
                        h('td', {class: 'num'}, fmtNum(m.threshold)),
                        h('td', {}, m.over_threshold ? 'over threshold' : 'ok'))),
              {class: 'list'}));
    }
    body.append(
        section(`Split ${split.name}`, h('div', {class: 'muted small'}, split.file), content));
  }
}

// --- Transform: the analysed features, their vocabularies and boundaries, transformed rows

function fmtOp(op) {
  if (typeof op === 'string') return op;
  return Object.entries(op)
      .map(
          ([name, args]) =>
              (args && typeof args === 'object' ?
                   `${name}(${Object.entries(args).map(([k, v]) => `${k}=${v}`).join(', ')})` :
                   `${name}(${args})`))
      .join(' ');
}

function viewTransform(page, body, view) {
  const d = view.data;
  body.append(section(
      `Features (${d.features.length})`,
      table(
          ['Feature', 'From', 'Ops', 'Vocabulary', 'Boundaries'],
          d.features.map(
              (f) =>
                  h('tr', {'data-feature': f.name}, h('td', {class: 'feature'}, f.name),
                    h('td', {},
                      f.input          ? h('code', {}, f.input) :
                          f.expression ? h('code', {}, f.expression) :
                                         DASH),
                    h('td', {}, (f.ops || []).map((op) => h('span', {class: 'chip'}, fmtOp(op)))),
                    h('td', {class: 'num'},
                      f.vocabulary_size === null || f.vocabulary_size === undefined ?
                          DASH :
                          d.vocabularies && d.vocabularies[f.name] ?
                          jumpLink(`vocab-${f.name}`, fmtNum(f.vocabulary_size)) :
                          fmtNum(f.vocabulary_size)),
                    h('td', {},
                      f.boundaries && f.boundaries.length ? abbreviatedList(f.boundaries, 5) :
                                                            DASH))),
          {class: 'list', id: 'transform-features'})));
  const vocabularies = Object.entries(d.vocabularies || {});
  if (vocabularies.length) {
    body.append(section(
        'Vocabularies (first 100 tokens, most frequent first)',
        vocabularies.map(
            ([name, tokens]) =>
                h('details', {id: `vocab-${name}`, class: 'vocab'},
                  h('summary', {}, h('strong', {}, name), ` ${tokens.length} shown`),
                  h('ol', {start: 0, class: 'tokens'}, tokens.map((t) => h('li', {}, t)))))));
  }
  if (d.sample && d.sample.length)
    body.append(section(`Transformed examples (first ${d.sample.length})`, rowsTable(d.sample)));
}

// --- Training curves (what TensorBoard's scalars show): one chart per metric, train vs eval

function viewTraining(page, body, view) {
  const curves = view.data.curves;
  if (curves.length === 0) {
    body.append(h('p', {class: 'empty'}, 'This run recorded no training curves.'));
    return;
  }
  const metrics = [...new Set(curves.flatMap((c) => Object.keys(c.metrics)))];
  const splits = [...new Set(curves.map((c) => c.split))];
  const grid = h('div', {class: 'chart-grid', id: 'training-charts'});
  body.append(section('Training curves', grid));
  const last = (split, metric) => {
    const points = curves.filter((c) => c.split === split && c.metrics[metric] !== undefined);
    return points.length ? points.at(-1) : null;
  };
  body.append(section(
      'Final values',
      table(
          ['Metric', ...splits.map((s) => `${s} (step)`)],
          metrics.map((m) => h('tr', {}, h('td', {class: 'feature'}, m), splits.map((s) => {
                        const p = last(s, m);
                        return h(
                            'td', {class: 'num'}, p ? `${fmtNum(p.metrics[m])} (${p.step})` : DASH);
                      }))),
          {class: 'list'})));
  for (const metric of metrics) {
    const canvas = h('canvas', {'data-metric': metric, 'aria-label': `${metric} by step`});
    grid.append(
        h('figure', {class: 'chart-box'}, h('figcaption', {}, metric),
          h('div', {class: 'chart'}, canvas)));
    page.chart(canvas, {
      type: 'line',
      data: {
        datasets: splits.map(
            (split, i) => ({
              label: split,
              data: curves.filter((c) => c.split === split && c.metrics[metric] !== undefined)
                        .map((c) => ({x: c.step, y: c.metrics[metric]})),
              borderColor: SERIES_COLOURS[i % 2],
              backgroundColor: SERIES_COLOURS[i % 2],
              pointRadius: 1.5,
              borderWidth: 1.5,
              tension: 0,
            }))
      },
      options: {
        parsing: false,
        interaction: {mode: 'nearest', intersect: false},
        scales: {
          x: {type: 'linear', title: {display: true, text: 'step'}},
          y: {ticks: {maxTicksLimit: 6}}
        },
        plugins: {legend: {position: 'bottom', labels: {boxWidth: 12}}},
      },
    });
  }
}

// --- Model

function viewModel(page, body, view) {
  const d = view.data;
  body.append(
      section(
          'Model', facts([
            ['Family', d.family], ['Label', d.label && h('code', {}, d.label)],
            ['Features', d.features ? d.features.map((f) => h('span', {class: 'chip'}, f)) : null]
          ])),
      section('Model spec', h('pre', {class: 'code'}, d.model_spec)));
}

// --- Evaluation (TFMA's render_slicing_metrics): metrics per slice, a chart of one metric across
// slices, the comparison with the baseline and the validation result.

function viewEvaluation(page, body, view) {
  const d = view.data;
  const failed = new Set(d.failures.map((f) => `${f.slice}\u0000${f.metric}`));
  const present = new Set(d.slices.flatMap((s) => Object.keys(s.metrics)));
  // The columns of `weir show evaluation` first, in its order (the API names them), then the rest.
  const metrics = [
    ...d.headline_metrics, ...[...present].filter((m) => !d.headline_metrics.includes(m))
  ];

  body.append(validationBox(d));
  body.append(section('Evaluation', facts([
                        ['Model', h('code', {}, d.model)],
                        [
                          'Baseline',
                          d.baseline_model ? h('code', {}, d.baseline_model) :
                                             'none (first run: change thresholds skipped)'
                        ],
                        ['Split', d.split],
                        ['Label', d.label_key && h('code', {}, d.label_key)],
                      ])));

  const chosen = metrics.includes('accuracy') ?
      'accuracy' :
      metrics.find((m) => m !== 'example_count') || metrics[0];
  const canvas = h('canvas', {id: 'slice-chart', 'aria-label': 'Metric per slice'});
  const select =
      h('select', {
        id: 'metric-select',
        value: chosen,
        onchange: () => drawSliceChart(page, canvas, d, select.value)
      },
        metrics.map((m) => h('option', {value: m}, m)));
  body.append(section(
      'Metrics by slice', h('div', {class: 'toolbar'}, h('label', {}, 'Chart ', select)),
      h('div', {class: 'chart wide'}, canvas),
      h('div', {class: 'scroll'},
        table(
            ['Slice', ...metrics],
            d.slices.map(
                (s) => h(
                    'tr', {'data-slice': s.slice, class: s.slice === 'Overall' ? 'overall' : null},
                    h('td', {class: 'feature'}, s.slice),
                    metrics.map(
                        (m) =>
                            h('td', {
                              class:
                                  `num ${failed.has(`${s.slice}\u0000${m}`) ? 'failed-cell' : ''}`,
                              title: s.baseline_metrics && s.baseline_metrics[m] !== undefined ?
                                  `baseline: ${fmtNum(s.baseline_metrics[m])}` :
                                  null
                            },
                              fmtNum(s.metrics[m]))))),
            {class: 'list dense', id: 'slice-metrics'}))));
  drawSliceChart(page, canvas, d, chosen);

  if (d.overall_baseline) {
    body.append(section(
        'Overall against the baseline',
        table(
            ['Metric', 'Candidate', 'Baseline', 'Change'],
            metrics.filter((m) => m !== 'example_count' && d.overall[m] !== undefined).map((m) => {
              const change = d.overall_change ? d.overall_change[m] : null;
              return h(
                  'tr', {}, h('td', {class: 'feature'}, m),
                  h('td', {class: 'num'}, fmtNum(d.overall[m])),
                  h('td', {class: 'num'}, fmtNum(d.overall_baseline[m])),
                  h('td',
                    {class: `num ${
                         change > 0     ? 'up' :
                             change < 0 ? 'down' :
                                          ''}`},
                    change === null || change === undefined ?
                        DASH :
                        `${change > 0 ? '+' : ''}${fmtNum(change)}`));
            }),
            {class: 'list'})));
  }
}

function validationBox(d) {
  const failedCount = d.failures.length;
  return h(
      'div', {
        class: `banner ${d.blessed ? 'blessed' : 'not-blessed'}`,
        id: 'validation',
        'data-blessed': String(d.blessed)
      },
      h('strong', {}, d.blessed ? 'BLESSED' : 'NOT BLESSED'),
      d.blessed ? `: all ${d.checks} checks passed` :
                  `: ${failedCount} of ${d.checks} checks failed`,
      d.change_thresholds_skipped ?
          h('span', {class: 'muted'}, ' (no baseline: change thresholds skipped)') :
          null,
      failedCount ? h('ul', {}, d.failures.map((f) => h('li', {}, f.message))) : null);
}

function drawSliceChart(page, canvas, d, metric) {
  const existing = page.charts.find((c) => c.canvas === canvas);
  if (existing) {
    existing.destroy();
    page.charts.splice(page.charts.indexOf(existing), 1);
  }
  const datasets = [{
    label: 'candidate',
    data: d.slices.map((s) => s.metrics[metric] ?? null),
    backgroundColor: d.slices.map((s) => (s.slice === 'Overall' ? '#0b4f8a' : SERIES_COLOURS[0]))
  }];
  if (d.slices.some((s) => s.baseline_metrics)) {
    datasets.push({
      label: 'baseline',
      data: d.slices.map((s) => (s.baseline_metrics ? s.baseline_metrics[metric] ?? null : null)),
      backgroundColor: SERIES_COLOURS[1]
    });
  }
  // Slices of one feature are labelled by its value alone, the feature named under the axis.
  const keys = new Set(d.slices.flatMap((s) => Object.keys(s.features)));
  const byValue = keys.size === 1;
  const labels = d.slices.map(
      (s) => (byValue && Object.keys(s.features).length ? Object.values(s.features)[0] : s.slice));
  page.chart(canvas, {
    type: 'bar',
    data: {labels, datasets},
    options: {
      plugins: {
        legend: {display: datasets.length > 1, position: 'bottom', labels: {boxWidth: 12}},
        title: {display: true, text: `${metric} by slice`}
      },
      scales: {
        y: {beginAtZero: metric === 'example_count'},
        x: {
          ticks: {autoSkip: false, maxRotation: 60},
          title: {display: byValue, text: [...keys][0]}
        }
      },
    },
  });
}

// --- Blessing, pushed model, examples

function viewBlessing(page, body, view) {
  const d = view.data;
  body.append(
      h('div', {
        class: `banner ${d.blessed ? 'blessed' : 'not-blessed'}`,
        id: 'validation',
        'data-blessed': String(d.blessed)
      },
        h('strong', {}, d.blessed ? 'BLESSED' : 'NOT BLESSED'),
        d.blessed ? ': the Evaluator found the model good enough to push.' :
                    ': the Evaluator rejected the model; it is not pushed.'),
      section('Models', facts([
                [
                  'Candidate',
                  d.current_model_id ?
                      link(artifactHref(d.current_model_id), `Model #${d.current_model_id}`) :
                      DASH
                ],
                [
                  'Baseline',
                  d.baseline_model_id ?
                      link(artifactHref(d.baseline_model_id), `Model #${d.baseline_model_id}`) :
                      'none'
                ],
              ])));
}

function viewPushedModel(page, body, view) {
  const d = view.data;
  body.append(section(
      'Push', facts([
        ['Pushed', d.pushed ? 'yes' : 'no (the model was not blessed)'],
        ['Destination', d.destination ? h('code', {}, d.destination) : null], ['Version', d.version]
      ])));
  if (d.versions && d.versions.length) {
    body.append(section(
        'Versions at the destination',
        table(
            ['Version', 'Path', 'Created'],
            d.versions.map(
                (v) => h(
                    'tr', {class: v.version === d.version ? 'selected' : null},
                    h('td', {class: 'num'}, v.version,
                      v.version === d.version ? h('span', {class: 'muted'}, ' (this push)') : null),
                    h('td', {}, h('code', {}, v.path)), h('td', {}, fmtTime(v.created)))),
            {class: 'list'})));
  }
}

function viewExamples(page, body, view) {
  const d = view.data;
  body.append(section(
      'Splits',
      table(
          ['Split', 'Files', 'Size'],
          d.splits.map(
              (s) =>
                  h('tr', {}, h('td', {class: 'feature'}, s.name), h('td', {class: 'num'}, s.files),
                    h('td', {class: 'num'}, fmtBytes(s.bytes)))),
          {class: 'list'})));
  if (d.sample && d.sample.length)
    body.append(section(`Examples (first ${d.sample.length})`, rowsTable(d.sample)));
}

// ---------------------------------------------------------------------------------------------
// Lineage page (#/artifacts/ID/lineage): what the artifact was made from and what was made from it.

async function renderLineage(page, params, id) {
  const root = page.root;
  const lineage = await api(`/artifacts/${id}/lineage`);
  const a = lineage.artifact;
  root.append(
      crumbs(
          link('#/pipelines', 'Pipelines'), link(artifactHref(a.id), `artifact ${a.id}`),
          'lineage'),
      h('div', {class: 'title-row'}, h('h1', {}, `Lineage of ${a.type} #${a.id}`),
        stateBadge(a.state)),
      h('p', {}, h('code', {}, a.uri)),
      section(
          'Upstream (what it was made from)',
          lineage.upstream ?
              h('ul', {class: 'tree', id: 'upstream'}, upstreamExecution(lineage.upstream)) :
              h('p', {class: 'muted'}, 'Nothing: it was not produced by a recorded execution.')),
      section(
          'Downstream (what was made from it)',
          lineage.downstream.length ? h('ul', {class: 'tree', id: 'downstream'},
                                        lineage.downstream.map(downstreamExecution)) :
                                      h('p', {class: 'muted'}, 'Nothing has read it yet.')));
}

function executionLabel(e, extra) {
  return h(
      'span', {class: 'exec'}, `execution ${e.execution_id} `,
      link(pipelineHref(e.pipeline, e.run_id), h('strong', {}, e.node)),
      e.component !== e.node ? ` [${e.component}]` : null, ' ', extra,
      h('span', {class: 'muted'}, ` (run ${e.run_id}) `),
      stateBadge(e.state, e.state === 'complete' ? 'success' : e.state),
      e.repeated ? h('span', {class: 'muted'}, ' (shown above)') : null);
}

function artifactLabel(a, role) {
  return h(
      'span', {class: 'art'}, h('span', {class: 'muted'}, `${role}: `),
      link(artifactHref(a.id), `artifact ${a.id} ${a.type}`), ` (${a.state}) `,
      h('code', {class: 'small'}, a.uri),
      a.repeated ? h('span', {class: 'muted'}, ' (shown above)') : null,
      a.truncated ? h('span', {class: 'muted'}, ' (more: the server cut the tree here)') : null);
}

function upstreamExecution(e) {
  return h(
      'li', {}, executionLabel(e),
      e.inputs && e.inputs.length ?
          h('ul', {},
            e.inputs.map(
                (a) =>
                    h('li', {}, artifactLabel(a, a.input),
                      a.produced_by ? h('ul', {}, upstreamExecution(a.produced_by)) : null))) :
          null);
}

function downstreamExecution(e) {
  return h(
      'li', {}, executionLabel(e, h('span', {class: 'muted'}, `reads it as ${e.input}`)),
      e.outputs && e.outputs.length ?
          h('ul', {},
            e.outputs.map(
                (a) =>
                    h('li', {}, artifactLabel(a, a.output),
                      a.consumed_by && a.consumed_by.length ?
                          h('ul', {}, a.consumed_by.map(downstreamExecution)) :
                          null))) :
          null);
}

// ---------------------------------------------------------------------------------------------
// Start

function startClock() {
  const clock = document.getElementById('clock');
  const tick = () => {
    clock.textContent = `${new Date().toISOString().slice(11, 19)} UTC`;
  };
  tick();
  setInterval(tick, 1000);
}

async function start() {
  document.getElementById('error-close').addEventListener('click', clearError);
  if (typeof Chart !== 'undefined') {
    Chart.defaults.font.size = 11;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  }
  startClock();
  window.addEventListener('hashchange', route);
  try {
    const s = await loadSession();
    if (s.user) document.getElementById('user').textContent = s.user;
  } catch (e) {
    showError(e);
  }
  await route();
}

start();

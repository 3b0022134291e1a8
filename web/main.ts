// The page: text sources, settings (named like the CLI's flags), controls, the live loss chart
// (uPlot), the latest sample and a Generate panel. All model work happens in worker.ts with the core
// library; this file only reads inputs, sends commands and draws what the worker reports.
import uPlot from 'uplot';
import { resolveConfig, SEED_DEFAULTS, type TrainConfig } from '../src/config.js';
import { CharrnnError } from '../src/errors.js';
import { checkSampleOptions } from '../src/sample.js';
import { corpusFromString, encodeCorpus } from '../src/text.js';
import { BUILTIN_NAME, BUILTIN_TEXT } from './corpus.js';
import type { FromWorker, ModelInfo, TextSource, ToWorker, WorkerState } from './protocol.js';

/** at most this many chart redraws per second */
const CHART_FPS = 5;
/** the chart keeps at most this many points (older ones are thinned by half when it overflows) */
const MAX_POINTS = 4000;
const CHECKPOINT_NAME = 'charrnn-model.safetensors';

/** What the end-to-end test reads (window.__charrnn): small, plain data. */
interface Probe {
  ready: boolean;
  backend: string;
  state: WorkerState;
  iter: number;
  /** points drawn so far and the last few [iter, smoothLoss] */
  pointCount: number;
  firstLoss: number | null;
  lastLoss: number | null;
  points: [number, number][];
  itersPerSec: number;
  charsPerSec: number;
  samples: number;
  lastSampleIter: number | null;
  generating: boolean;
  generated: number;
  errors: number;
}

declare global {
  interface Window {
    __charrnn: Probe;
  }
}

const probe: Probe = {
  ready: false,
  backend: '',
  state: 'idle',
  iter: 0,
  pointCount: 0,
  firstLoss: null,
  lastLoss: null,
  points: [],
  itersPerSec: 0,
  charsPerSec: 0,
  samples: 0,
  lastSampleIter: null,
  generating: false,
  generated: 0,
  errors: 0,
};
window.__charrnn = probe;

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

const ui = {
  backend: el('backend'),
  alert: el('alert'),
  textFields: el<HTMLFieldSetElement>('text-fields'),
  fileName: el('file-name'),
  textFile: el<HTMLInputElement>('text-file'),
  paste: el<HTMLTextAreaElement>('paste'),
  textInfo: el('text-info'),
  settings: el<HTMLFormElement>('settings'),
  modelType: el<HTMLSelectElement>('model-type'),
  hidden: el<HTMLInputElement>('hidden'),
  seqLength: el<HTMLInputElement>('seq-length'),
  lr: el<HTMLInputElement>('lr'),
  clip: el<HTMLInputElement>('clip'),
  seed: el<HTMLInputElement>('seed'),
  sampleEvery: el<HTMLInputElement>('sample-every'),
  sampleLength: el<HTMLInputElement>('sample-length'),
  dtype: el<HTMLSelectElement>('dtype'),
  start: el<HTMLButtonElement>('start'),
  pause: el<HTMLButtonElement>('pause'),
  resume: el<HTMLButtonElement>('resume'),
  reset: el<HTMLButtonElement>('reset'),
  save: el<HTMLButtonElement>('save'),
  checkpointFile: el<HTMLInputElement>('checkpoint-file'),
  status: el('status'),
  statIter: el('stat-iter'),
  statLoss: el('stat-loss'),
  statIts: el('stat-its'),
  statCps: el('stat-cps'),
  chart: el('chart'),
  sampleIter: el('sample-iter'),
  sampleText: el('sample-text'),
  genForm: el<HTMLFormElement>('gen-form'),
  genLength: el<HTMLInputElement>('gen-length'),
  temperature: el<HTMLInputElement>('temperature'),
  prime: el<HTMLInputElement>('prime'),
  generate: el<HTMLButtonElement>('generate'),
  genText: el('gen-text'),
};

// ---- messages ----

function showError(e: unknown): void {
  const line = e instanceof CharrnnError ? e.line : e instanceof Error ? e.message : String(e);
  ui.alert.textContent = line;
  ui.alert.hidden = false;
  probe.errors++;
}

function clearError(): void {
  ui.alert.hidden = true;
  ui.alert.textContent = '';
}

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

// ---- settings: the form <-> TrainConfig, with the CLI's flag names in messages ----

const fields = [
  ['hidden', ui.hidden, '--hidden'],
  ['seqLength', ui.seqLength, '--seq-length'],
  ['lr', ui.lr, '--lr'],
  ['clip', ui.clip, '--clip'],
  ['sampleEvery', ui.sampleEvery, '--sample-every'],
  ['sampleLength', ui.sampleLength, '--sample-length'],
] as const;
/** settings that define the model: a loaded checkpoint fixes them */
const modelFields = [ui.modelType, ui.hidden, ui.seqLength, ui.dtype, ui.seed];

function fillSettings(c: Omit<TrainConfig, 'backend'>): void {
  for (const [key, input] of fields) input.value = String(c[key]);
  ui.seed.value = c.seed === undefined ? '' : String(c.seed);
  ui.dtype.value = c.dtype;
}

function parseNumber(input: HTMLInputElement, flag: string): number {
  const s = input.value.trim();
  if (s === '') throw new CharrnnError(`${flag} is empty`, 'enter a number', 'usage');
  const v = Number(s);
  if (!Number.isFinite(v)) throw new CharrnnError(`${flag} must be a number, got '${s}'`, '', 'usage');
  return v;
}

function readSettings(): Partial<TrainConfig> {
  // --model: only 'rnn (the seed)' exists so far; when LSTM/GRU land, ui.modelType.value maps onto the config here
  const config: Partial<TrainConfig> = { dtype: ui.dtype.value === 'f64' ? 'f64' : 'f32' };
  for (const [key, input, flag] of fields) config[key] = parseNumber(input, flag);
  if (ui.seed.value.trim() !== '') config.seed = parseNumber(ui.seed, '--seed');
  try {
    resolveConfig(config); // the core's checks, before anything is sent
  } catch (e) {
    if (!(e instanceof CharrnnError)) throw e;
    // name the flag as the form labels it
    const [key] = e.message.split(' ');
    const flag = fields.find(([k]) => k === key)?.[2] ?? (key === 'seed' ? '--seed' : key);
    throw new CharrnnError(e.message.replace(key, flag), e.hint, e.kind);
  }
  return config;
}

// ---- text sources ----

let fileSource: { bytes: Uint8Array; name: string } | undefined;

function sourceKind(): string {
  return (
    (document.querySelector('input[name=source]:checked') as HTMLInputElement | null)?.value ?? 'builtin'
  );
}

function selectSource(kind: string): void {
  const radio = document.querySelector(`input[name=source][value=${kind}]`) as HTMLInputElement | null;
  if (radio) radio.checked = true;
  showTextInfo();
}

function readSource(): TextSource {
  switch (sourceKind()) {
    case 'file':
      if (!fileSource)
        throw new CharrnnError('no text file is chosen', 'choose or drop a UTF-8 text file', 'usage');
      return { kind: 'bytes', bytes: fileSource.bytes, what: fileSource.name };
    case 'paste':
      if (ui.paste.value.trim() === '') {
        throw new CharrnnError(
          'the pasted text is empty',
          'paste some text, or pick another source',
          'usage',
        );
      }
      return { kind: 'string', text: ui.paste.value, what: 'the pasted text' };
    default:
      return { kind: 'string', text: BUILTIN_TEXT, what: BUILTIN_NAME };
  }
}

function describeText(text: string): string {
  const c = corpusFromString(text);
  return `${fmt.format(c.ids.length)} characters, ${c.vocab.size} distinct symbols`;
}

let fileInfo = '';
function showTextInfo(): void {
  const kind = sourceKind();
  if (kind === 'builtin') ui.textInfo.textContent = `Built-in text: ${describeText(BUILTIN_TEXT)}.`;
  else if (kind === 'file') ui.textInfo.textContent = fileSource ? fileInfo : 'No file chosen yet.';
  else
    ui.textInfo.textContent = ui.paste.value
      ? `Pasted text: ${describeText(ui.paste.value)}.`
      : 'Nothing pasted yet.';
}

async function useTextFile(file: File): Promise<void> {
  clearError();
  fileSource = undefined;
  ui.fileName.textContent = file.name;
  selectSource('file');
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0)
      throw new CharrnnError(`${file.name} is empty`, 'choose a file with some text in it');
    const corpus = encodeCorpus(bytes); // strict UTF-8: a bad byte is named by its offset
    fileSource = { bytes, name: file.name };
    fileInfo = `${file.name}: ${fmt.format(corpus.ids.length)} characters, ${corpus.vocab.size} distinct symbols.`;
  } catch (e) {
    ui.fileName.textContent = `${file.name} (not usable)`;
    showError(e instanceof CharrnnError ? new CharrnnError(`${file.name}: ${e.message}`, e.hint, e.kind) : e);
  }
  showTextInfo();
}

// ---- the worker ----

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
function send(msg: ToWorker): void {
  worker.postMessage(msg);
}
worker.onerror = (e) => {
  showError(`the training worker failed: ${e.message || 'it could not be loaded'}`);
};

let state: WorkerState = 'idle';
let ready = false;
let model: { what: string; chars: number; info: ModelInfo } | undefined;
let loadedName = '';
/** the seed field as the user left it (empty: random), restored on Reset after a run or a load fills it */
let userSeed: string | null = null;

function setState(next: WorkerState): void {
  state = next;
  probe.state = next;
  const active = state === 'running' || state === 'paused';
  ui.start.disabled = !ready || active;
  ui.start.textContent = state === 'loaded' ? 'Start (continue)' : 'Start';
  ui.pause.disabled = state !== 'running';
  ui.resume.disabled = state !== 'paused';
  ui.reset.disabled = state === 'idle';
  ui.save.disabled = state === 'idle';
  ui.generate.disabled = state === 'idle';
  ui.textFields.disabled = active;
  for (const f of [...fields.map(([, input]) => input), ...modelFields]) f.disabled = active;
  if (state === 'loaded') for (const f of modelFields) f.disabled = true;
  if (state === 'idle') for (const f of modelFields) f.disabled = false;
  showStatus();
}

function showStatus(): void {
  const m = model?.info;
  switch (state) {
    case 'idle':
      ui.status.textContent = 'No model yet: press Start to train one, or load a checkpoint.';
      break;
    case 'loaded':
      ui.status.textContent = m
        ? `Loaded ${loadedName}: iteration ${m.iter}, hidden ${m.config.hidden}, ${m.vocabSize} symbols. Generate from it, or Start to continue training on the chosen text.`
        : '';
      break;
    case 'running':
    case 'paused':
      ui.status.textContent = model
        ? `${state === 'running' ? 'Training' : 'Paused'} on ${model.what} (${fmt.format(model.chars)} characters, ${model.info.vocabSize} symbols), seed ${model.info.config.seed}.`
        : '';
      break;
  }
}

// ---- the chart ----

const xs: number[] = [];
const ys: number[] = [];
const vs: (number | null)[] = []; // validation loss: a slot for later, empty for now
let chart: uPlot | undefined;
let lastDraw = 0;
let drawTimer: ReturnType<typeof setTimeout> | undefined;

function makeChart(): uPlot {
  const opts: uPlot.Options = {
    width: Math.max(200, ui.chart.clientWidth),
    height: 220,
    scales: { x: { time: false } },
    axes: [{ label: 'iteration' }, { label: 'loss', size: 50 }],
    series: [
      { label: 'iter' },
      { label: 'smooth loss', stroke: '#2563eb', width: 2, points: { show: false } },
      { label: 'validation loss', stroke: '#dc2626', width: 2, dash: [6, 4], points: { show: false } },
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, [xs, ys, vs], ui.chart);
}

function draw(): void {
  drawTimer = undefined;
  lastDraw = performance.now();
  chart ??= makeChart();
  chart.setData([xs, ys, vs]);
  ui.statIter.textContent = fmt.format(probe.iter);
  ui.statLoss.textContent = probe.lastLoss === null ? '–' : probe.lastLoss.toFixed(3);
  ui.statIts.textContent = state === 'running' ? fmt.format(probe.itersPerSec) : '–';
  ui.statCps.textContent = state === 'running' ? fmt.format(probe.charsPerSec) : '–';
}

function requestDraw(): void {
  if (drawTimer !== undefined) return;
  const wait = Math.max(0, 1000 / CHART_FPS - (performance.now() - lastDraw));
  drawTimer = setTimeout(draw, wait);
}

function addPoint(iter: number, loss: number): void {
  if (xs.length >= MAX_POINTS) {
    // thin the history by half, keeping the last point
    for (const a of [xs, ys, vs] as (number | null)[][]) {
      let j = 0;
      for (let i = 0; i < a.length; i += 2) a[j++] = a[i];
      a.length = j;
    }
  }
  xs.push(iter);
  ys.push(loss);
  vs.push(null);
  probe.pointCount++;
  probe.firstLoss ??= loss;
  probe.lastLoss = loss;
  probe.points.push([iter, loss]);
  if (probe.points.length > 20) probe.points.shift();
  requestDraw();
}

function clearChart(): void {
  xs.length = 0;
  ys.length = 0;
  vs.length = 0;
  Object.assign(probe, {
    pointCount: 0,
    firstLoss: null,
    lastLoss: null,
    points: [],
    itersPerSec: 0,
    charsPerSec: 0,
  });
  requestDraw();
}

new ResizeObserver(() => {
  chart?.setSize({ width: Math.max(200, ui.chart.clientWidth), height: 220 });
}).observe(ui.chart);

// ---- generation: streamed chunks appended to the output ----

let genId = 0;
let genNode: Text | undefined;

function startGenerate(): void {
  clearError();
  let length: number;
  let temperature: number;
  try {
    length = parseNumber(ui.genLength, 'length');
    if (!(Number.isInteger(length) && length >= 1 && length <= 1_000_000)) {
      throw new CharrnnError(`length must be an integer from 1 to 1000000, got ${length}`, '', 'usage');
    }
    temperature = parseNumber(ui.temperature, 'temperature');
    checkSampleOptions({ temperature });
  } catch (e) {
    showError(e);
    return;
  }
  const prime = ui.prime.value;
  genId++;
  ui.genText.replaceChildren();
  if (prime) {
    const span = document.createElement('span');
    span.className = 'prime';
    span.textContent = prime;
    ui.genText.append(span);
  }
  genNode = document.createTextNode('');
  ui.genText.append(genNode);
  probe.generating = true;
  probe.generated = 0;
  send({ type: 'generate', id: genId, length, temperature, prime });
}

// ---- what the worker says ----

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'ready':
      ready = true;
      probe.ready = true;
      probe.backend = msg.backend;
      ui.backend.textContent = msg.backend === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript kernels';
      setState(state);
      break;
    case 'state':
      if (msg.state === 'idle') clearSession();
      setState(msg.state);
      requestDraw();
      break;
    case 'started':
      model = { what: readSourceName(), chars: msg.chars, info: msg.info };
      ui.seed.value = String(msg.info.config.seed);
      probe.iter = msg.info.iter;
      if (xs.at(-1) !== msg.info.iter) addPoint(msg.info.iter, msg.info.smoothLoss);
      showStatus();
      break;
    case 'progress':
      probe.iter = msg.iter;
      probe.itersPerSec = msg.itersPerSec;
      probe.charsPerSec = msg.charsPerSec;
      addPoint(msg.iter, msg.smoothLoss);
      break;
    case 'sample':
      probe.samples++;
      probe.lastSampleIter = msg.iter;
      ui.sampleIter.textContent = `(iteration ${fmt.format(msg.iter)})`;
      ui.sampleText.textContent = msg.text;
      break;
    case 'gen':
      if (msg.id !== genId) break;
      genNode?.appendData(msg.text);
      probe.generated += [...msg.text].length;
      if (msg.done) probe.generating = false;
      break;
    case 'checkpoint':
      download(msg.bytes);
      break;
    case 'loaded':
      loadedName = msg.name;
      userSeed ??= ui.seed.value;
      model = { what: msg.name, chars: 0, info: msg.info };
      fillSettings(msg.info.config);
      clearChart();
      probe.iter = msg.info.iter;
      addPoint(msg.info.iter, msg.info.smoothLoss);
      break;
    case 'error':
      if (msg.during === 'generate' && probe.generated === 0) ui.genText.replaceChildren();
      showError(msg.line);
      break;
  }
};

/** After Reset: no model, an empty chart, no samples, the seed field as the user left it. */
function clearSession(): void {
  model = undefined;
  genId++;
  probe.generating = false;
  clearChart();
  Object.assign(probe, { iter: 0, samples: 0, lastSampleIter: null, generated: 0 });
  ui.sampleText.textContent = '';
  ui.sampleIter.textContent = '';
  ui.genText.replaceChildren();
  if (userSeed !== null) ui.seed.value = userSeed;
  userSeed = null;
}

function readSourceName(): string {
  const kind = sourceKind();
  return kind === 'file'
    ? (fileSource?.name ?? 'a file')
    : kind === 'paste'
      ? 'the pasted text'
      : BUILTIN_NAME;
}

function download(bytes: Uint8Array): void {
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = CHECKPOINT_NAME;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

async function loadCheckpoint(file: File): Promise<void> {
  clearError();
  const bytes = new Uint8Array(await file.arrayBuffer());
  send({ type: 'load', bytes, name: file.name });
}

// ---- controls ----

ui.start.addEventListener('click', () => {
  clearError();
  let config: Partial<TrainConfig>;
  let source: TextSource;
  try {
    config = readSettings();
    source = readSource();
  } catch (e) {
    showError(e);
    return;
  }
  if (state !== 'loaded') clearChart(); // from a checkpoint, the chart goes on from its point
  userSeed ??= ui.seed.value;
  send({ type: 'start', source, config });
});
ui.pause.addEventListener('click', () => send({ type: 'pause' }));
ui.resume.addEventListener('click', () => {
  clearError();
  send({ type: 'resume' });
});
ui.reset.addEventListener('click', () => {
  clearError();
  send({ type: 'reset' }); // the page clears when the worker says it is idle (after any progress in flight)
});
ui.save.addEventListener('click', () => send({ type: 'save' }));
ui.genForm.addEventListener('submit', (e) => {
  e.preventDefault();
  startGenerate();
});
ui.settings.addEventListener('submit', (e) => e.preventDefault());

ui.textFile.addEventListener('change', () => {
  const file = ui.textFile.files?.[0];
  if (file) void useTextFile(file);
  ui.textFile.value = '';
});
ui.checkpointFile.addEventListener('change', () => {
  const file = ui.checkpointFile.files?.[0];
  if (file) void loadCheckpoint(file).catch(showError);
  ui.checkpointFile.value = '';
});
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=source]')) {
  radio.addEventListener('change', showTextInfo);
}
let pasteTimer: ReturnType<typeof setTimeout> | undefined;
ui.paste.addEventListener('input', () => {
  if (sourceKind() !== 'paste') selectSource('paste');
  clearTimeout(pasteTimer);
  pasteTimer = setTimeout(showTextInfo, 150);
});

// drop a text file (training text) or a .safetensors file (checkpoint) anywhere on the page
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const file = e.dataTransfer?.files[0];
  if (!file) return;
  if (file.name.endsWith('.safetensors')) void loadCheckpoint(file).catch(showError);
  else if (state === 'running' || state === 'paused')
    showError('a model is training on its text; press Reset before choosing another');
  else void useTextFile(file);
});

// ---- start up ----

// the seed's settings, --sample-every 1000 included: with the WebAssembly kernels (~5000 iter/s) that is a
// sample about every 0.2 s, and the first sample (iteration 0) shows at once on any backend
fillSettings(SEED_DEFAULTS);
setState('idle');
showTextInfo();
draw();

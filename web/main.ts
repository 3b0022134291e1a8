// The page: text sources, settings (named like the CLI's flags: the seed's rnn, or an LSTM/GRU recipe),
// controls, the live loss chart (uPlot: smooth loss and validation loss), the latest sample and a
// Generate panel. All model work happens in worker.ts with the core library; this file only reads
// inputs, sends commands and draws what the worker reports.
import uPlot from 'uplot';
import { resolveConfig, SEED_DEFAULTS, type TrainConfig } from '../src/config.js';
import { CharrnnError } from '../src/errors.js';
import type { OptimizerKind } from '../src/models/optim.js';
import { findPreset, PRESETS } from '../src/presets.js';
import { type RecipeConfig, resolveRecipe } from '../src/recipe.js';
import { checkSampleOptions } from '../src/sample.js';
import { corpusFromString, encodeCorpus } from '../src/text.js';
import { BUILTIN_NAME, BUILTIN_TEXT } from './corpus.js';
import type { FromWorker, ModelInfo, StartSettings, TextSource, ToWorker, WorkerState } from './protocol.js';

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
  /** the model being trained or loaded: rnn (the seed), lstm or gru; '' when there is none */
  model: string;
  iter: number;
  /** points drawn so far and the last few [iter, smoothLoss] */
  pointCount: number;
  firstLoss: number | null;
  lastLoss: number | null;
  points: [number, number][];
  itersPerSec: number;
  charsPerSec: number;
  /** validation points drawn so far (recipes), the first and the latest, in nats/char */
  valCount: number;
  firstVal: number | null;
  lastVal: number | null;
  lastValBits: number | null;
  /** the chart's y-axis label */
  axisLabel: string;
  samples: number;
  lastSampleIter: number | null;
  generating: boolean;
  generated: number;
  errors: number;
  /** whether the page is cross-origin isolated (globalThis.crossOriginIsolated) */
  isolated: boolean;
  /** whether --threads 2 is possible here (isolated, SharedArrayBuffer in the page and its worker) */
  threadsAvailable: boolean;
  /** the threads the model in training uses (0 when none is training) */
  threads: number;
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
  model: '',
  iter: 0,
  pointCount: 0,
  firstLoss: null,
  lastLoss: null,
  points: [],
  itersPerSec: 0,
  charsPerSec: 0,
  valCount: 0,
  firstVal: null,
  lastVal: null,
  lastValBits: null,
  axisLabel: '',
  samples: 0,
  lastSampleIter: null,
  generating: false,
  generated: 0,
  errors: 0,
  isolated: globalThis.crossOriginIsolated === true,
  threadsAvailable: false,
  threads: 0,
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
  preset: el<HTMLSelectElement>('preset'),
  modelType: el<HTMLSelectElement>('model-type'),
  layers: el<HTMLInputElement>('layers'),
  hidden: el<HTMLInputElement>('hidden'),
  embedding: el<HTMLInputElement>('embedding'),
  dropout: el<HTMLInputElement>('dropout'),
  batch: el<HTMLInputElement>('batch'),
  threads: el<HTMLSelectElement>('threads'),
  threadsNote: el('threads-note'),
  seqLength: el<HTMLInputElement>('seq-length'),
  optimizer: el<HTMLSelectElement>('optimizer'),
  lr: el<HTMLInputElement>('lr'),
  clip: el<HTMLInputElement>('clip'),
  clipNorm: el<HTMLInputElement>('clip-norm'),
  valFraction: el<HTMLInputElement>('val-fraction'),
  evalEvery: el<HTMLInputElement>('eval-every'),
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
  statThreadsBox: el('stat-threads-box'),
  statThreads: el('stat-threads'),
  statValBox: el('stat-val-box'),
  statVal: el('stat-val'),
  statValBits: el('stat-val-bits'),
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

// ---- settings: the form <-> TrainConfig (the seed) or RecipeConfig (LSTM/GRU), with the CLI's flag names ----

type ModelType = 'rnn' | 'lstm' | 'gru';
type NumberKey = 'hidden' | 'seqLength' | 'lr' | 'sampleEvery' | 'sampleLength';
type SeedKey = NumberKey | 'clip';
type RecipeKey =
  | NumberKey
  | 'layers'
  | 'embedding'
  | 'dropout'
  | 'batch'
  | 'clipNorm'
  | 'valFraction'
  | 'evalEvery';

/** the seed's numeric settings (--model rnn) */
const seedFields: readonly (readonly [SeedKey, HTMLInputElement, string])[] = [
  ['hidden', ui.hidden, '--hidden'],
  ['seqLength', ui.seqLength, '--seq-length'],
  ['lr', ui.lr, '--lr'],
  ['clip', ui.clip, '--clip'],
  ['sampleEvery', ui.sampleEvery, '--sample-every'],
  ['sampleLength', ui.sampleLength, '--sample-length'],
];
/** the recipes' numeric settings (--model lstm or gru) */
const recipeFields: readonly (readonly [RecipeKey, HTMLInputElement, string])[] = [
  ['layers', ui.layers, '--layers'],
  ['hidden', ui.hidden, '--hidden'],
  ['embedding', ui.embedding, '--embedding'],
  ['dropout', ui.dropout, '--dropout'],
  ['batch', ui.batch, '--batch'],
  ['seqLength', ui.seqLength, '--seq-length'],
  ['lr', ui.lr, '--lr'],
  ['clipNorm', ui.clipNorm, '--clip-norm'],
  ['valFraction', ui.valFraction, '--val-fraction'],
  ['evalEvery', ui.evalEvery, '--eval-every'],
  ['sampleEvery', ui.sampleEvery, '--sample-every'],
  ['sampleLength', ui.sampleLength, '--sample-length'],
];
/** every input and select of the settings form */
const allFields: (HTMLInputElement | HTMLSelectElement)[] = [
  ...new Set([
    ui.preset,
    ui.modelType,
    ...seedFields.map(([, input]) => input),
    ...recipeFields.map(([, input]) => input),
    ui.optimizer,
    ui.threads,
    ui.seed,
    ui.dtype,
  ]),
];
/** settings that define the model: a loaded checkpoint fixes them (the core refuses to change them) */
const modelFields = [
  ui.preset,
  ui.modelType,
  ui.layers,
  ui.hidden,
  ui.embedding,
  ui.batch,
  ui.seqLength,
  ui.optimizer,
  ui.dtype,
  ui.seed,
];

/**
 * What the page fills in when --model changes to lstm or gru with the built-in text chosen: the CLI's
 * recipe (batch 32 x seq-length 64 and 10% validation) needs about 20,500 characters, the built-in text
 * has about 2,700. Small enough to train fast in the page and to leave a validation split of 274
 * characters (two windows of 4 x 32); see the help text in index.html.
 */
const BUILTIN_RECIPE: Readonly<Partial<RecipeConfig>> = Object.freeze({
  layers: 1,
  hidden: 64,
  embedding: 32,
  dropout: 0.2,
  batch: 4,
  seqLength: 32,
  optimizer: 'adam',
  lr: 2e-3,
  clipNorm: 5,
  valFraction: 0.1,
  evalEvery: 50,
  sampleEvery: 200,
  sampleLength: 200,
  dtype: 'f32',
});

/** Limits of the page (not of the core): beyond them the tab's memory runs out; the CLI trains bigger. */
const PAGE_LIMITS: Partial<Record<RecipeKey, number>> = {
  layers: 8,
  hidden: 2048,
  embedding: 2048,
  batch: 1024,
  seqLength: 100_000,
};

function modelType(): ModelType {
  const v = ui.modelType.value;
  return v === 'lstm' || v === 'gru' ? v : 'rnn';
}

const numberText = (v: number): string => String(v);

/** Fills the form from a seed config (--model rnn) or a recipe config (lstm/gru); other fields keep their values. */
function fillSettings(model: ModelType, c: Partial<TrainConfig> | Partial<RecipeConfig>): void {
  ui.modelType.value = model;
  const values = c as Record<string, unknown>;
  for (const [key, input] of model === 'rnn' ? seedFields : recipeFields) {
    const v = values[key];
    if (typeof v === 'number') input.value = numberText(v);
  }
  if (model !== 'rnn') {
    const optimizer = (c as Partial<RecipeConfig>).optimizer;
    if (optimizer) ui.optimizer.value = optimizer;
  }
  if ('seed' in c && c.seed !== undefined) ui.seed.value = String(c.seed);
  if (c.dtype) ui.dtype.value = c.dtype;
  showModelFields();
  syncPreset();
}

/** Shows the recipe fields (--layers, --batch, ...) only for lstm/gru, and --clip only for the seed. */
function showModelFields(): void {
  const recipe = modelType() !== 'rnn';
  for (const e of document.querySelectorAll<HTMLElement>('[data-recipe]')) e.hidden = !recipe;
  for (const e of document.querySelectorAll<HTMLElement>('[data-seed]')) e.hidden = recipe;
  syncThreads();
  if (state === 'idle') requestDraw(); // the empty chart's axis names the model's loss
}

// ---- --threads: data-parallel training on two Web Workers, where the page can share memory ----

/**
 * SharedArrayBuffer (and with it a second training thread) exists only where the page is cross-origin
 * isolated: served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
 * require-corp. The training worker checks the same in its own scope and says so in its 'ready'.
 */
const pageCanShare = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
/** the training worker's answer (until it is ready, assume it agrees with the page) */
let workerCanShare = true;
/** the user picked --threads; until then it follows the default (2 where possible, for an even batch) */
let threadsChosen = false;

function threadsPossible(): boolean {
  return pageCanShare && workerCanShare;
}

function evenBatch(): boolean {
  const B = Number(ui.batch.value.trim());
  return Number.isInteger(B) && B > 0 && B % 2 === 0;
}

/** The --threads field: its value, whether it can change, and the note under it. */
function syncThreads(): void {
  const possible = threadsPossible();
  probe.threadsAvailable = possible;
  if (!possible) ui.threads.value = '1';
  else if (!threadsChosen) ui.threads.value = navigator.hardwareConcurrency >= 2 && evenBatch() ? '2' : '1';
  ui.threads.disabled = !possible || state === 'running' || state === 'paused';
  let note = '';
  if (!possible) {
    note =
      'One thread: this page is not cross-origin isolated (served without the Cross-Origin-Opener-Policy ' +
      'and Cross-Origin-Embedder-Policy headers), so its workers cannot share memory.';
  } else if (ui.threads.value === '1' && !threadsChosen) {
    if (navigator.hardwareConcurrency < 2) note = 'One thread: this device reports one core.';
    else if (!evenBatch()) note = '--threads 2 splits the batch in two: it needs an even --batch.';
  }
  ui.threadsNote.textContent = note;
  ui.threadsNote.hidden = note === '' || modelType() === 'rnn';
}

/** Whether the form holds exactly a preset's settings (the seed field aside). */
function matchesPreset(name: string): boolean {
  const p = findPreset(name);
  if (!p) return false;
  const settings = p.settings as Record<string, unknown>;
  const model: ModelType =
    p.trainer === 'seed' ? 'rnn' : ((settings.model as ModelType | undefined) ?? 'lstm');
  if (model !== modelType() || settings.dtype !== ui.dtype.value) return false;
  if (model !== 'rnn' && settings.optimizer !== ui.optimizer.value) return false;
  return (model === 'rnn' ? seedFields : recipeFields).every(
    ([key, input]) => input.value.trim() !== '' && Number(input.value) === settings[key],
  );
}

/** The --preset select names the preset the form matches, or shows (custom). */
function syncPreset(): void {
  ui.preset.value = PRESETS.find((p) => matchesPreset(p.name))?.name ?? '';
}

function applyPreset(name: string): void {
  const p = findPreset(name);
  if (!p) return;
  if (p.trainer === 'seed') fillSettings('rnn', p.settings as Partial<TrainConfig>);
  else {
    const settings = p.settings as Partial<RecipeConfig>;
    fillSettings(settings.model ?? 'lstm', settings);
  }
}

/** --model changed: the seed's defaults for rnn; from rnn to lstm/gru, the recipe (small for the built-in text). */
let shownModel: ModelType = 'rnn';
function changeModel(): void {
  const next = modelType();
  const prev = shownModel;
  shownModel = next;
  if (next === 'rnn') fillSettings('rnn', SEED_DEFAULTS);
  else if (prev === 'rnn') {
    const preset = findPreset(next === 'gru' ? 'char-gru' : 'char-lstm')!.settings as Partial<RecipeConfig>;
    fillSettings(next, sourceKind() === 'builtin' ? { ...preset, ...BUILTIN_RECIPE } : preset);
  } else {
    showModelFields(); // lstm <-> gru: the same settings, the other cell
    syncPreset();
  }
}

function parseNumber(input: HTMLInputElement, flag: string, allowInfinity = false): number {
  const s = input.value.trim();
  if (s === '') throw new CharrnnError(`${flag} is empty`, 'enter a number', 'usage');
  const v = allowInfinity && /^(infinity|off)$/i.test(s) ? Infinity : Number(s);
  if (!(Number.isFinite(v) || (allowInfinity && v === Infinity)))
    throw new CharrnnError(`${flag} must be a number, got '${s}'`, '', 'usage');
  return v;
}

/** A core error about a setting, with the setting named as the form labels it (--seq-length, not seqLength). */
function withFlag(e: CharrnnError, flags: readonly (readonly [string, HTMLElement, string])[]): CharrnnError {
  const [key] = e.message.split(' ');
  const flag =
    flags.find(([k, , f]) => k === key || f === `--${key}`)?.[2] ??
    ({ seed: '--seed', dtype: '--dtype', optimizer: '--optimizer' } as Record<string, string>)[key ?? ''];
  return flag ? new CharrnnError(`${flag}${e.message.slice(key!.length)}`, e.hint, e.kind) : e;
}

function readSettings(): StartSettings {
  const model = modelType();
  const dtype = ui.dtype.value === 'f64' ? 'f64' : 'f32';
  const seed = ui.seed.value.trim() !== '' ? parseNumber(ui.seed, '--seed') : undefined;
  if (model === 'rnn') {
    const config: Partial<TrainConfig> = { dtype };
    for (const [key, input, flag] of seedFields) config[key] = parseNumber(input, flag, key === 'clip');
    if (seed !== undefined) config.seed = seed;
    try {
      resolveConfig(config); // the core's checks, before anything is sent
    } catch (e) {
      throw e instanceof CharrnnError ? withFlag(e, seedFields) : e;
    }
    return { trainer: 'seed', config };
  }
  const config: Partial<RecipeConfig> = { model, dtype, optimizer: ui.optimizer.value as OptimizerKind };
  for (const [key, input, flag] of recipeFields) {
    const v = parseNumber(input, flag, key === 'clipNorm');
    const max = PAGE_LIMITS[key];
    if (max !== undefined && v > max)
      throw new CharrnnError(
        `${flag} must be at most ${max} in the page, got ${v}`,
        'train bigger models with the CLI',
        'usage',
      );
    config[key] = v;
  }
  if (seed !== undefined) config.seed = seed;
  config.threads = threadsPossible() && ui.threads.value === '2' ? 2 : 1;
  try {
    resolveRecipe(config); // the core's checks, before anything is sent
  } catch (e) {
    throw e instanceof CharrnnError ? withFlag(e, recipeFields) : e;
  }
  return { trainer: 'recipe', config };
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
  for (const f of allFields) f.disabled = active;
  if (state === 'loaded') for (const f of modelFields) f.disabled = true;
  if (state === 'idle') for (const f of modelFields) f.disabled = false;
  syncThreads();
  showStatus();
}

/** A model in a few words: 'rnn 100' (the seed), 'lstm 2×256, batch 32, seq-length 64, 2 threads'. */
function describeModel(m: ModelInfo): string {
  if (m.trainer === 'seed') return `rnn ${m.config.hidden} (the seed)`;
  const c = m.config;
  const threads = c.threads > 1 ? `, ${c.threads} threads` : '';
  return `${c.model} ${c.layers}×${c.hidden}, batch ${c.batch}, seq-length ${c.seqLength}${threads}`;
}

function showStatus(): void {
  const m = model?.info;
  switch (state) {
    case 'idle':
      ui.status.textContent = 'No model yet: press Start to train one, or load a checkpoint.';
      break;
    case 'loaded': {
      const best =
        m?.trainer === 'recipe' && Number.isFinite(m.bestValLoss)
          ? `, best val loss ${m.bestValLoss.toFixed(3)} nats/char`
          : '';
      ui.status.textContent = m
        ? `Loaded ${loadedName}: ${describeModel(m)}, iteration ${m.iter}, ${m.vocabSize} symbols${best}. Generate from it, or Start to continue training on the chosen text.`
        : '';
      break;
    }
    case 'running':
    case 'paused': {
      const noVal =
        m?.trainer === 'recipe' && !m.hasValidation ? ' No validation split (--val-fraction 0).' : '';
      ui.status.textContent = model
        ? `${state === 'running' ? 'Training' : 'Paused'}: ${describeModel(model.info)} on ${model.what} (${fmt.format(model.chars)} characters, ${model.info.vocabSize} symbols), seed ${model.info.config.seed}.${noVal}`
        : '';
      break;
    }
  }
}

// ---- the chart ----

const xs: number[] = [];
const ys: number[] = [];
/** validation loss (recipes): a value at the evaluated iterations, null elsewhere (the line spans the gaps) */
const vs: (number | null)[] = [];
let chart: uPlot | undefined;
let chartKey = '';
let lastDraw = 0;
let drawTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The y axis names the loss of the model on the chart: the seed's is the sum over a window of
 * seq-length characters, a recipe's is per character (nats/char), so the two are not on one scale.
 */
function axisLabel(): string {
  const info = model?.info;
  if (info) {
    return info.trainer === 'seed' ? `loss per ${info.config.seqLength}-char window` : 'loss (nats/char)';
  }
  if (modelType() !== 'rnn') return 'loss (nats/char)';
  const T = Number(ui.seqLength.value);
  return Number.isInteger(T) && T > 0 ? `loss per ${T}-char window` : 'loss per window';
}

/** Whether the chart is a recipe's: the seed has no validation split, so its chart has no validation series. */
function chartHasValidation(): boolean {
  return model ? model.info.trainer === 'recipe' : modelType() !== 'rnn';
}

function chartData(): uPlot.AlignedData {
  return chartHasValidation() ? [xs, ys, vs] : [xs, ys];
}

function makeChart(label: string): uPlot {
  const series: uPlot.Series[] = [
    { label: 'iter' },
    { label: 'smooth loss', stroke: '#2563eb', width: 2, points: { show: false } },
  ];
  if (chartHasValidation()) {
    series.push({
      label: 'validation loss',
      stroke: '#dc2626',
      width: 2,
      dash: [6, 4],
      spanGaps: true,
      points: { show: true, size: 5, fill: '#dc2626' },
    });
  }
  const opts: uPlot.Options = {
    width: Math.max(200, ui.chart.clientWidth),
    height: 220,
    scales: { x: { time: false } },
    axes: [{ label: 'iteration' }, { label, size: 50 }],
    series,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, chartData(), ui.chart);
}

function draw(): void {
  drawTimer = undefined;
  lastDraw = performance.now();
  // a new chart when the kind of model changes: its axis label and its series
  const label = axisLabel();
  const key = `${label}|${chartHasValidation()}`;
  if (chart && key !== chartKey) {
    chart.destroy();
    chart = undefined;
  }
  if (!chart) {
    chart = makeChart(label);
    chartKey = key;
    probe.axisLabel = label;
  }
  chart.setData(chartData());
  ui.statIter.textContent = fmt.format(probe.iter);
  ui.statLoss.textContent = probe.lastLoss === null ? '–' : probe.lastLoss.toFixed(3);
  ui.statIts.textContent = state === 'running' ? fmt.format(probe.itersPerSec) : '–';
  ui.statCps.textContent = state === 'running' ? fmt.format(probe.charsPerSec) : '–';
  ui.statThreadsBox.hidden = probe.threads === 0 || model?.info.trainer !== 'recipe';
  ui.statThreads.textContent = String(probe.threads);
  ui.statValBox.hidden = model ? model.info.trainer !== 'recipe' : modelType() === 'rnn';
  ui.statVal.textContent = probe.lastVal === null ? '–' : probe.lastVal.toFixed(3);
  ui.statValBits.textContent = probe.lastValBits === null ? '–' : probe.lastValBits.toFixed(3);
}

function requestDraw(): void {
  if (drawTimer !== undefined) return;
  const wait = Math.max(0, 1000 / CHART_FPS - (performance.now() - lastDraw));
  drawTimer = setTimeout(draw, wait);
}

/** A point of the smooth loss, with the validation loss when `val` is given (one point per iteration). */
function addPoint(iter: number, loss: number, val: number | null = null): void {
  if (xs.at(-1) === iter) {
    // the same iteration again (a progress report right after a validation point): update it
    ys[ys.length - 1] = loss;
    if (val !== null) vs[vs.length - 1] = val;
  } else {
    if (xs.length >= MAX_POINTS) {
      // thin the history by half, keeping the validation points and the last point
      let j = 0;
      for (let i = 0; i < xs.length; i++) {
        if (i % 2 === 0 || vs[i] !== null || i === xs.length - 1) {
          xs[j] = xs[i];
          ys[j] = ys[i];
          vs[j] = vs[i];
          j++;
        }
      }
      xs.length = ys.length = vs.length = j;
    }
    xs.push(iter);
    ys.push(loss);
    vs.push(val);
    probe.pointCount++;
  }
  probe.firstLoss ??= loss;
  probe.lastLoss = loss;
  probe.points.push([iter, loss]);
  if (probe.points.length > 20) probe.points.shift();
  requestDraw();
}

function addValidation(iter: number, smoothLoss: number, valLoss: number, valBits: number): void {
  addPoint(iter, smoothLoss, valLoss);
  probe.valCount++;
  probe.firstVal ??= valLoss;
  probe.lastVal = valLoss;
  probe.lastValBits = valBits;
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
    valCount: 0,
    firstVal: null,
    lastVal: null,
    lastValBits: null,
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
      workerCanShare = msg.threadsAvailable;
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
      probe.model = msg.info.trainer === 'seed' ? 'rnn' : msg.info.config.model;
      probe.threads = msg.info.trainer === 'seed' ? 1 : msg.info.config.threads;
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
    case 'val':
      addValidation(msg.iter, msg.smoothLoss, msg.valLoss, msg.valBits);
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
      probe.model = msg.info.trainer === 'seed' ? 'rnn' : msg.info.config.model;
      probe.threads = 0; // not training: --threads says how the next Start runs
      // the checkpoint's own settings (its config metadata); setState('loaded') locks the model-defining ones
      if (msg.info.trainer === 'seed') fillSettings('rnn', msg.info.config);
      else fillSettings(msg.info.config.model, msg.info.config);
      shownModel = modelType();
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
  probe.model = '';
  probe.threads = 0;
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
  let settings: StartSettings;
  let source: TextSource;
  try {
    settings = readSettings();
    source = readSource();
  } catch (e) {
    showError(e);
    return;
  }
  if (state !== 'loaded') clearChart(); // from a checkpoint, the chart goes on from its point
  userSeed ??= ui.seed.value;
  send({ type: 'start', source, ...settings });
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
fillSettings('rnn', SEED_DEFAULTS);
ui.modelType.addEventListener('change', changeModel);
ui.preset.addEventListener('change', () => {
  applyPreset(ui.preset.value);
  shownModel = modelType();
});
ui.settings.addEventListener('input', (e) => {
  if (e.target !== ui.preset && e.target !== ui.modelType && e.target !== ui.threads) syncPreset();
  if (e.target === ui.batch) syncThreads(); // the default follows the batch (2 threads need it even)
});
ui.threads.addEventListener('change', () => {
  threadsChosen = true;
  syncThreads();
});
setState('idle');
showTextInfo();
draw();

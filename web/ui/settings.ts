// The Settings panel: the form <-> a Partial<TrainConfig>, the same fields for every model. The fields,
// their labels (the CLI's flags), choices, parsing and messages come from the core's OPTIONS table; the
// settings without a field (windowing, loss unit, smoothing, schedule...) come from the last preset or
// checkpoint the form was filled from. The --preset select lists the core's presets and names the one the
// form matches; --threads offers a second thread where the page can share memory (see threads.ts).
import { CharrnnError } from '../../src/errors.js';
import {
  type ConfigKey,
  OPTIONS,
  type OptionSpec,
  optionSpec,
  parseOption,
  resolveConfig,
  type TrainConfig,
} from '../../src/training/config.js';
import { defaultPreset, findPreset, PRESET_NAMES, PRESETS, type Preset } from '../../src/training/presets.js';
import { noValidationToWatch } from '../../src/training/run.js';
import { decaysOverLength } from '../../src/training/schedule.js';
import type { ModelInfo } from '../protocol.js';
import { el } from './dom.js';
import { probe } from './probe.js';

/** The settings the form shows, in this order: the same for every model. */
const FIELDS: readonly ConfigKey[] = [
  'model',
  'layers',
  'hidden',
  'embedding',
  'dropout',
  'batch',
  'threads',
  'seqLength',
  'optimizer',
  'lr',
  'clip',
  'clipNorm',
  'valFraction',
  'evalEvery',
  'patience',
  'iters',
  'timeLimit',
  'seed',
  'sampleEvery',
  'sampleLength',
  'dtype',
];

/** How a run executes or is seeded, not what it trains: not part of what makes a preset. */
const RUN_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>(['seed', 'threads', 'backend']);

/** --threads in the page: this worker alone, or with one shard worker (each half of the batch) */
const THREAD_CHOICES = ['1', '2'] as const;

/** Limits of the page (not of the core): beyond them the tab's memory runs out; the CLI trains bigger. */
const PAGE_LIMITS: Partial<Record<ConfigKey, number>> = {
  layers: 8,
  hidden: 2048,
  embedding: 2048,
  batch: 1024,
  seqLength: 100_000,
};

interface Field {
  spec: OptionSpec;
  input: HTMLInputElement | HTMLSelectElement;
}

const form = el<HTMLFormElement>('settings');
const presetSelect = el<HTMLSelectElement>('preset');
for (const name of PRESET_NAMES) presetSelect.add(new Option(name, name));
/** says why --threads is 1 where it cannot be 2 */
const threadsNote = document.createElement('p');
threadsNote.id = 'threads-note';
threadsNote.className = 'muted small note';

/** A label and an input (or select) per setting of FIELDS, added to the form; the --threads note after it. */
const fields: readonly Field[] = FIELDS.map((key) => {
  const spec = optionSpec(key);
  const flag = spec.flag ?? key;
  const id = `opt-${flag.replace(/^--/, '')}`;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = flag;
  label.title = spec.help;
  const choices = key === 'threads' ? THREAD_CHOICES : spec.choices;
  let input: HTMLInputElement | HTMLSelectElement;
  if (choices) {
    input = document.createElement('select');
    for (const c of choices) input.add(new Option(c, c));
  } else {
    input = document.createElement('input');
    input.inputMode = spec.type === 'int' ? 'numeric' : 'decimal';
    if (spec.optional) input.placeholder = 'random';
  }
  input.id = id;
  input.title = spec.help;
  form.append(label, input);
  if (key === 'threads') {
    input.setAttribute('aria-describedby', 'threads-note');
    form.append(threadsNote);
  }
  return { spec, input };
});

function field(key: ConfigKey): Field['input'] {
  return fields.find((f) => f.spec.key === key)!.input;
}

/** the settings without a field: the last preset's or checkpoint's */
let base: TrainConfig = resolveConfig();
/** the seed field as the user left it (empty: random), restored on Reset after a run or a load fills it */
let userSeed: string | null = null;
/** told when the form changed (the chart's axis follows the settings before there is a model) */
let onChange: () => void = () => {};

/** A value as its field shows it: Infinity as `off`, undefined (a random seed) as empty. */
function fieldText(v: unknown): string {
  return v === undefined ? '' : v === Infinity ? 'off' : String(v);
}

/**
 * The settings the form holds, every field parsed and the whole checked by the core; throws a one-line
 * usage error naming the setting by its flag. Without `check`: the fields that parse, for a preview.
 */
export function readSettings(check = true): Partial<TrainConfig> {
  const { backend: _backend, seed: _seed, ...settings } = base;
  const out: Partial<TrainConfig> = settings;
  const put = out as Record<ConfigKey, unknown>;
  for (const { spec, input } of fields) {
    if (spec.optional && input.value.trim() === '') continue;
    let value: TrainConfig[ConfigKey];
    try {
      value = parseOption(spec.key, input.value);
    } catch (e) {
      if (check) throw e;
      continue;
    }
    const max = PAGE_LIMITS[spec.key];
    if (check && max !== undefined && (value as number) > max) {
      throw new CharrnnError(
        `${spec.flag} must be at most ${max} in the page, got ${value}`,
        'train bigger models with the CLI',
        'usage',
      );
    }
    put[spec.key] = value;
  }
  if (check) {
    resolveConfig(out); // the settings that depend on each other, before anything is sent
    // the core's line for this names --val-file too, which the page does not have
    if ((out.patience ?? 0) > 0 && out.valFraction === 0) {
      throw noValidationToWatch(out.patience!, 'set --val-fraction above 0, or --patience 0');
    }
  }
  return out;
}

/**
 * Fills the form from a configuration (over the defaults), but for the fields of `keep`. --threads is
 * always kept: it is how the page runs a model, which the page decides (see syncThreads).
 */
function fill(config: Partial<TrainConfig>, keep: readonly ConfigKey[]): void {
  base = resolveConfig(config);
  for (const { spec, input } of fields) {
    if (spec.key === 'threads' || keep.includes(spec.key)) continue;
    input.value = fieldText(base[spec.key]);
  }
  syncThreads();
  syncPreset();
  onChange();
}

/** The preset whose settings a configuration has (what runs and seeds aside), if any. */
export function presetOf(config: Partial<TrainConfig>): Preset | undefined {
  return PRESETS.find((p) => {
    const c = resolveConfig(p.settings);
    return OPTIONS.every(({ key }) => RUN_KEYS.has(key) || Object.is(c[key], config[key]));
  });
}

/** The --preset select names the preset the form matches, or shows (custom). */
function syncPreset(): void {
  let name = '';
  try {
    name = presetOf(resolveConfig(readSettings()))?.name ?? '';
  } catch {
    // a field being typed: custom settings
  }
  presetSelect.value = name;
}

/**
 * --model changed: the model's preset, as the CLI's --model picks it. Every text the page offers fits the
 * LSTM/GRU recipe (batch 32 x seq-length 64 with 10% held out needs about 20,500 characters; the built-in
 * text has a few hundred thousand); a shorter file or paste gets the core's one-line error at Start.
 */
function changeModel(): void {
  fill(defaultPreset(parseOption('model', field('model').value) as TrainConfig['model']).settings, ['seed']);
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
/** the user chose --threads; until then it follows the default: 2 where possible */
let threadsChosen = false;
function threadsPossible(): boolean {
  return pageCanShare && workerCanShare;
}

function evenBatch(): boolean {
  const B = Number(field('batch').value.trim());
  return Number.isInteger(B) && B > 0 && B % 2 === 0;
}

/** The --threads field: its value (1 where the page cannot share memory) and the note under it. */
function syncThreads(): void {
  const threads = field('threads');
  const possible = threadsPossible();
  probe.threadsAvailable = possible;
  if (!possible) threads.value = '1';
  else if (!threadsChosen) threads.value = navigator.hardwareConcurrency >= 2 && evenBatch() ? '2' : '1';
  let note = '';
  if (!possible) {
    note =
      'One thread: this page is not cross-origin isolated (served without the Cross-Origin-Opener-Policy ' +
      'and Cross-Origin-Embedder-Policy headers), so its workers cannot share memory.';
  } else if (threads.value === '1' && !threadsChosen) {
    if (navigator.hardwareConcurrency < 2) note = 'One thread: this device reports one core.';
    else if (!evenBatch()) note = '--threads 2 splits the batch in two: it needs an even --batch.';
  }
  threadsNote.textContent = note;
  threadsNote.hidden = note === '';
}

/** The training worker says whether it can share memory with shard workers. */
export function setWorkerCanShare(can: boolean): void {
  workerCanShare = can;
  syncThreads();
}

// ---- what the rest of the page asks of the form ----

/**
 * Which fields can change: all ('open', no model); those a resumed run may change ('checkpoint': the
 * core refuses the others, see OPTIONS' onResume); none ('locked', a model in training).
 */
export function lockSettings(mode: 'open' | 'checkpoint' | 'locked'): void {
  presetSelect.disabled = mode !== 'open';
  for (const { spec, input } of fields) {
    input.disabled = mode === 'locked' || (mode === 'checkpoint' && spec.onResume !== 'free');
  }
  if (!threadsPossible()) field('threads').disabled = true;
  syncThreads();
}

/** Shows the seed a model has (a random one, once drawn), keeping the user's for `restoreSeed`. */
export function showSeed(seed: number | undefined): void {
  userSeed ??= field('seed').value;
  field('seed').value = fieldText(seed);
}

/** After Reset: the seed field as the user left it. */
export function restoreSeed(): void {
  if (userSeed !== null) field('seed').value = userSeed;
  userSeed = null;
}

/**
 * Fills the form from a loaded checkpoint's settings. A limit the checkpoint has reached (--iters,
 * --time-limit, --patience: a run that ended by itself) would end a continued run at once: the page clears
 * it (0: until you pause), so Start and a kept model's Continue go on. A cosine or linear schedule that
 * decayed over the limit cleared keeps its length as --decay-iters (its end: the run goes on at the floor).
 */
export function fillFromCheckpoint(m: ModelInfo): void {
  userSeed ??= field('seed').value;
  const c = m.config;
  let { iters, timeLimit, patience, decayIters } = c;
  // the length the schedule decays over (trainer.ts): --decay-iters, else --time-limit, else --iters
  const overTime = decaysOverLength(c.schedule) && decayIters === 0 && timeLimit > 0;
  const overIters = decaysOverLength(c.schedule) && decayIters === 0 && !overTime;
  if (iters > 0 && m.iter >= iters) {
    if (overIters) decayIters = iters;
    iters = 0;
  }
  if (timeLimit > 0 && m.trainSeconds >= timeLimit) {
    if (overTime) decayIters = Math.max(1, m.iter);
    timeLimit = 0;
  }
  if (patience > 0 && m.evalsSinceBest >= patience) patience = 0;
  fill({ ...c, iters, timeLimit, patience, decayIters }, []);
}

/** Wires the form; `changed` hears every change (the chart's axis follows the settings). */
export function wireSettings(changed: () => void): void {
  onChange = changed;
  field('model').addEventListener('change', changeModel);
  presetSelect.addEventListener('change', () => {
    const preset = findPreset(presetSelect.value);
    if (preset) fill(preset.settings, ['seed']);
  });
  field('threads').addEventListener('change', () => {
    threadsChosen = true;
    syncThreads();
  });
  form.addEventListener('input', (e) => {
    if (e.target === presetSelect || e.target === field('model')) return;
    syncPreset();
    if (e.target === field('batch')) syncThreads(); // the default follows the batch (2 threads need it even)
    onChange();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  fill(defaultPreset().settings, ['seed']);
}

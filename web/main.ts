// The page's wiring: starts the training worker (worker.ts, where all model work happens with the core
// library), sends it the commands of the Model panel's buttons, and hands what it reports to the parts
// of the page (ui/: the text sources, the settings form, the loss chart, the generate panel, the kept
// models, the test probe). It also keeps the state the buttons and the status line show, and downloads and
// uploads the files: checkpoints, and the model exported by the buttons with a data-export format (the
// worker exports). Save model keeps the checkpoint in the browser (ui/models.ts); Download checkpoint
// downloads it. When a thread dies, the page keeps the last consistent model (recover.ts): it watches
// the shard workers for the training worker (which is blocked while they compute) and the training
// worker itself (watch.ts), and starts a new training worker after one died. A checkpoint loaded over the
// model in training keeps that model first (the worker sends it: 'replaced').

import type { ExportFormatName } from '../src/checkpoint/interop.js';
import { DEFAULTS } from '../src/training/config.js';
import { shardEnded } from '../src/training/parallel.js';
import { finishPhrase } from '../src/training/run.js';
import type { FromWorker, ModelInfo, ToWorker, WorkerState } from './protocol.js';
import { hold, keepRecovered, keptAt, recoverEnded, release, takeHeld } from './recover.js';
import {
  addPoint,
  addValidation,
  clearChart,
  draw,
  lastIter,
  requestDraw,
  setChartSpec,
} from './ui/chart.js';
import { clearError, el, fmt, showError } from './ui/dom.js';
import {
  clearGenerated,
  generationFailed,
  receiveGenerated,
  setGenerateEnabled,
  wireGenerate,
} from './ui/generate.js';
import { keepCheckpoint, setDefaultName, showKeptNote, wireKept } from './ui/models.js';
import { probe } from './ui/probe.js';
import {
  fillFromCheckpoint,
  lockSettings,
  presetOf,
  readSettings,
  restoreSeed,
  setWorkerCanShare,
  showSeed,
  wireSettings,
} from './ui/settings.js';
import { readSource, type SourceKind, setTextEnabled, sourceKind, useTextFile, wireText } from './ui/text.js';
import { whenReleased } from './watch.js';

const CHECKPOINT_NAME = 'charrnn-model.safetensors';

const ui = {
  backend: el('backend'),
  start: el<HTMLButtonElement>('start'),
  pause: el<HTMLButtonElement>('pause'),
  resume: el<HTMLButtonElement>('resume'),
  reset: el<HTMLButtonElement>('reset'),
  /** Save model: into the list of kept models; Download checkpoint: as a file */
  save: el<HTMLButtonElement>('save'),
  keepForm: el<HTMLFormElement>('keep-form'),
  download: el<HTMLButtonElement>('download'),
  /** Export PyTorch, Export ONNX: each names its format in data-export */
  exports: [...document.querySelectorAll<HTMLButtonElement>('button[data-export]')],
  checkpointFile: el<HTMLInputElement>('checkpoint-file'),
  status: el('status'),
  sampleIter: el('sample-iter'),
  sampleText: el('sample-text'),
};

let worker: Worker;
function send(msg: ToWorker): void {
  worker.postMessage(msg);
}

let state: WorkerState = 'idle';
let ready = false;
/** the model trained or loaded: what it trains on, and what the worker said of it */
let model: { what: string; chars: number; info: ModelInfo; changed: string[] } | undefined;
/** why a run finished by itself, for the status line */
let finishedWhy = '';
/** Start is waiting for its text (a download, the built-in text): the text chosen then (undefined: not) */
let starting: SourceKind | undefined;
/** counts the Starts: one waiting for its text is dropped when another text is chosen meanwhile */
let startTicket = 0;
/** Save model was pressed, and its model is not kept yet: Save model stays disabled (one click, one model) */
let keeping = false;
/** a Start sent to the worker and not answered yet ('started', or an error): Start stays disabled */
let startSent = false;
/** a kept model's Continue: Start as soon as it has loaded */
let continueAfterLoad = false;
/** the iteration Save model last kept the model in training at (a model replaced there is kept already) */
let keptRunAt: number | undefined;

/** The chart shows the model's loss, or before there is a model, the loss the settings would train. */
function updateChartSpec(): void {
  if (model) {
    const c = model.info.config;
    setChartSpec({ lossUnit: c.lossUnit, seqLength: c.seqLength, validation: model.info.hasValidation });
  } else {
    const c = { ...DEFAULTS, ...readSettings(false) };
    setChartSpec({ lossUnit: c.lossUnit, seqLength: c.seqLength, validation: c.valFraction > 0 });
  }
}

function setState(next: WorkerState): void {
  state = next;
  probe.state = next;
  const active = state === 'running' || state === 'paused' || state === 'finished';
  ui.start.disabled = !ready || active || starting !== undefined || startSent;
  ui.start.textContent = state === 'loaded' ? 'Start (continue)' : 'Start';
  ui.pause.disabled = state !== 'running';
  ui.resume.disabled = state !== 'paused';
  ui.reset.disabled = state === 'idle';
  ui.save.disabled = state === 'idle' || keeping;
  ui.download.disabled = state === 'idle';
  for (const b of ui.exports) b.disabled = state === 'idle';
  setGenerateEnabled(state !== 'idle');
  setTextEnabled(!active);
  lockSettings(active ? 'locked' : state === 'loaded' ? 'checkpoint' : 'open');
  updateChartSpec();
  setDefaultName(model?.what);
  showStatus();
  requestDraw();
}

/** A model in a few words: 'lstm 2×256, batch 32, seq-length 64, 2 threads (char-lstm)'. */
function describeModel(m: ModelInfo): string {
  const c = m.config;
  const threads = c.threads > 1 ? `, ${c.threads} threads` : '';
  const preset = presetOf(c);
  const named = preset ? ` (${preset.name})` : '';
  return `${c.model} ${c.layers}×${c.hidden}, batch ${c.batch}, seq-length ${c.seqLength}${threads}${named}`;
}

function showStatus(): void {
  const m = model;
  if (state === 'idle' || !m) {
    ui.status.textContent = 'No model yet: press Start to train one, or load a checkpoint.';
  } else if (state === 'loaded') {
    const best = Number.isFinite(m.info.bestValLoss)
      ? `, best val loss ${m.info.bestValLoss.toFixed(3)} nats/char`
      : '';
    ui.status.textContent =
      `Loaded ${m.what}: ${describeModel(m.info)}, iteration ${m.info.iter}, ${m.info.vocabSize} symbols${best}. ` +
      'Generate from it, or Start to continue training on the chosen text.';
  } else {
    // a run that finished without a limit reached has failed (the alert says why)
    const doing = { running: 'Training', paused: 'Paused', finished: finishedWhy ? 'Finished' : 'Stopped' }[
      state
    ];
    const noVal = m.info.hasValidation ? '' : ' No validation split (--val-fraction 0).';
    const changed = m.changed.length > 0 ? ` Changed on resume: ${m.changed.join(', ')}.` : '';
    const finished = state === 'finished' && finishedWhy ? ` ${finishedWhy}` : '';
    // (a model imported from the PyTorch layout has no seed)
    const seed = m.info.config.seed === undefined ? '' : `, seed ${m.info.config.seed}`;
    ui.status.textContent =
      `${doing}: ${describeModel(m.info)} on ${m.what} (${fmt.format(m.chars)} characters, ` +
      `${m.info.vocabSize} symbols)${seed}.${noVal}${changed}${finished}`;
  }
}

// ---- the training worker: started, and started again after it died ----

function startWorker(): void {
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker = w;
  ready = false;
  probe.ready = false;
  probe.trainingWorkers++;
  w.onerror = (e) => {
    showError(`the training worker failed: ${e.message || 'it could not be loaded'}`);
  };
  w.onmessage = (e: MessageEvent<FromWorker>) => {
    if (e.data.type === 'ready') whenReleased(e.data.lock, () => trainingWorkerEnded(w));
    receive(e.data);
  };
}

/**
 * The training worker ended (terminated, crashed, out of memory: it says nothing, its lock tells): the
 * model it trained is gone but for the checkpoint the page holds, which it keeps; a new worker starts.
 */
function trainingWorkerEnded(w: Worker): void {
  if (w !== worker) return;
  w.terminate();
  const held = takeHeld();
  const training = state === 'running' || state === 'paused' || state === 'finished';
  startSent = false;
  keeping = false;
  startWorker();
  clearSession();
  setState('idle');
  const line =
    'the training worker stopped (it was ended, crashed or ran out of memory); a new one is started';
  if (!held) {
    showError(training ? `${line}; the model in training was lost before its first checkpoint` : line);
    return;
  }
  const iter = fmt.format(held.info.iter);
  void keepRecovered(held, download).then((kept) =>
    showError(`${line}; the model at iteration ${iter} (its last checkpoint) is ${kept}`),
  );
}

// ---- what the worker says ----

function receive(msg: FromWorker): void {
  switch (msg.type) {
    case 'ready':
      ready = true;
      probe.ready = true;
      probe.backend = msg.backend;
      setWorkerCanShare(msg.threadsAvailable);
      ui.backend.textContent = msg.backend === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript kernels';
      setState(state);
      break;
    case 'watch-shard':
      whenReleased(msg.shard.lock, () =>
        shardEnded(msg.shard.watch, 'its Web Worker ended: it was closed, crashed or ran out of memory'),
      );
      break;
    case 'autosave':
      if (model) hold({ bytes: msg.bytes, info: msg.info, what: model.what });
      break;
    case 'replaced': {
      // a checkpoint loaded over the model in training: that model is kept, unless Save model just did
      if (msg.info.iter === keptRunAt) break;
      const replaced = { bytes: msg.bytes, info: msg.info, what: model?.what ?? 'a model' };
      void keepRecovered(replaced, download).then((kept) =>
        showKeptNote(`The model that was training is ${kept}.`),
      );
      break;
    }
    case 'lost': {
      release();
      const lost = { bytes: msg.bytes, info: msg.info, what: model?.what ?? 'a model' };
      void keepRecovered(lost, download).then((kept) =>
        showError(`${msg.line}; the model from before that step is ${kept}`),
      );
      break;
    }
    case 'state':
      if (msg.state === 'idle' || msg.state === 'loaded') release();
      if (msg.state === 'idle') clearSession();
      setState(msg.state);
      if (msg.state === 'loaded' && continueAfterLoad) {
        continueAfterLoad = false;
        void startRun();
      }
      break;
    case 'started':
      startSent = false; // (the 'running' state follows)
      keptRunAt = undefined;
      finishedWhy = ''; // (a run before this one, then a checkpoint loaded: no Reset between)
      model = { what: msg.what, chars: msg.chars, info: msg.info, changed: msg.changed };
      setDefaultName(msg.what);
      probe.model = msg.info.config.model;
      probe.threads = msg.info.config.threads;
      probe.iter = msg.info.iter;
      showSeed(msg.info.config.seed);
      if (lastIter() !== msg.info.iter) addPoint(msg.info.iter, msg.info.smoothLoss);
      updateChartSpec();
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
    case 'finished':
      finishedWhy = `It ${finishPhrase(msg.reason)} at iteration ${fmt.format(msg.iter)}.`;
      break;
    case 'gen':
      receiveGenerated(msg);
      break;
    case 'checkpoint':
      if (msg.to === 'download') download(msg.bytes, CHECKPOINT_NAME);
      else {
        void keepCheckpoint(msg.bytes, msg.info, model?.what ?? 'a model')
          .then((kept) => {
            if (kept) keptAt(msg.info.iter);
            if (kept && model && state !== 'loaded') keptRunAt = msg.info.iter;
          })
          .finally(() => {
            keeping = false;
            setState(state);
          });
      }
      break;
    case 'exported':
      download(msg.bytes, msg.name);
      break;
    case 'loaded':
      // a Start that waits for its text was for the settings before: the loaded model's replace them
      if (starting !== undefined) dropWaitingStart();
      // nothing of the model before stays: its samples, its generated text, why its run finished
      clearOutputs();
      model = { what: msg.name, chars: 0, info: msg.info, changed: [] };
      probe.model = msg.info.config.model;
      probe.threads = 0; // not training: --threads says how the next Start runs
      // the checkpoint's own settings; setState('loaded') locks the ones a resumed run cannot change
      fillFromCheckpoint(msg.info);
      clearChart();
      probe.iter = msg.info.iter;
      addPoint(msg.info.iter, msg.info.smoothLoss);
      break;
    case 'error':
      if (msg.during === 'start') {
        startSent = false;
        setState(state);
      }
      if (msg.during === 'save' && keeping) {
        keeping = false;
        setState(state);
      }
      if (msg.during === 'generate') generationFailed();
      if (msg.during === 'load') continueAfterLoad = false;
      showError(msg.line);
      break;
  }
}

/** After Reset: no model, an empty chart, no samples, the seed field as the user left it. */
function clearSession(): void {
  model = undefined;
  Object.assign(probe, { model: '', threads: 0, iter: 0 });
  clearOutputs();
  clearChart();
  restoreSeed();
}

/** What a model has shown: its samples, its generated text, why its run finished. */
function clearOutputs(): void {
  finishedWhy = '';
  Object.assign(probe, { samples: 0, lastSampleIter: null });
  clearGenerated();
  ui.sampleText.textContent = '';
  ui.sampleIter.textContent = '';
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
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

/** Start: the settings as they are now, and the chosen text once it is here (a download may take a while). */
async function startRun(): Promise<void> {
  clearError();
  const ticket = ++startTicket;
  starting = sourceKind();
  setState(state);
  try {
    readSettings(); // bad settings are told at once, before any wait for the text
    const source = await readSource();
    if (ticket !== startTicket) return; // another text was chosen meanwhile (textChosen)
    const config = readSettings(); // as the form is now: it may have changed while the text came
    if (state !== 'loaded') clearChart(); // from a checkpoint, the chart goes on from its point
    send({ type: 'start', config, source });
    startSent = true;
  } catch (e) {
    if (ticket === startTicket) showError(e);
  } finally {
    if (ticket === startTicket) {
      starting = undefined;
      setState(state);
    }
  }
}

/**
 * Another text was chosen: a Start still waiting for the one chosen before (a download that is slow, or
 * stalled) is dropped, and Start can be pressed again for this one.
 */
function textChosen(): void {
  if (starting !== undefined && sourceKind() !== starting) dropWaitingStart();
}

/** A Start waiting for its text is dropped: when its text comes, it starts nothing. */
function dropWaitingStart(): void {
  startTicket++;
  starting = undefined;
  setState(state);
}

// ---- controls ----

ui.start.addEventListener('click', () => void startRun());
ui.pause.addEventListener('click', () => send({ type: 'pause' }));
ui.resume.addEventListener('click', () => {
  clearError();
  send({ type: 'resume' });
});
ui.reset.addEventListener('click', () => {
  clearError();
  send({ type: 'reset' }); // the page clears when the worker says it is idle (after any progress in flight)
});
ui.keepForm.addEventListener('submit', (e) => {
  e.preventDefault();
  if (ui.save.disabled) return;
  clearError();
  keeping = true;
  setState(state);
  send({ type: 'save', to: 'keep' });
});
ui.download.addEventListener('click', () => send({ type: 'save', to: 'download' }));
for (const b of ui.exports) {
  b.addEventListener('click', () => {
    clearError();
    send({ type: 'export', format: b.dataset.export as ExportFormatName });
  });
}
ui.checkpointFile.addEventListener('change', () => {
  const file = ui.checkpointFile.files?.[0];
  if (file) void loadCheckpoint(file).catch(showError);
  ui.checkpointFile.value = '';
});

/** How the names of model files end: the CLI's checkpoints (.ckpt in its examples), exports, torch.save's. */
const MODEL_FILE = /\.(safetensors|ckpt|onnx|pt|pth)$/i;

/**
 * Whether a dropped file is a model rather than a text: by its name, or, whatever its name, by its start,
 * as a safetensors file starts (its header's size, 8 bytes little-endian, that fits in the file, then '{').
 */
async function isModelFile(file: File): Promise<boolean> {
  if (MODEL_FILE.test(file.name)) return true;
  const head = new Uint8Array(await file.slice(0, 9).arrayBuffer());
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const size = new DataView(head.buffer).getBigUint64(0, true);
  return size + 8n <= BigInt(file.size);
}

// drop a text file (training text) or a model file (a checkpoint to load) anywhere on the page
// (only files: dragged text is left to the field it is dropped on, as the paste box)
const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') === true;
document.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (e) => {
  document.body.classList.remove('dragging');
  if (!hasFiles(e)) return;
  e.preventDefault();
  const file = e.dataTransfer?.files[0];
  if (file) void dropped(file).catch(showError);
});

async function dropped(file: File): Promise<void> {
  if (await isModelFile(file)) await loadCheckpoint(file);
  else if (state === 'running' || state === 'paused' || state === 'finished')
    showError('a model is training on its text; press Reset before choosing another');
  else await useTextFile(file);
}

// ---- start up: the seed's settings (the min-char-rnn preset) ----

startWorker();
wireText(textChosen);
wireGenerate(send);
wireSettings(updateChartSpec);
wireKept({
  load(bytes, name, andContinue) {
    continueAfterLoad = andContinue;
    send({ type: 'load', bytes, name });
  },
  download,
});
void recoverEnded();
setState('idle');
draw();

// `charrnn info CKPT [--json]`: what a checkpoint holds, without loading the model: the cell and its
// sizes, the parameter count, the vocabulary (its size and first characters), how far it trained, the
// best validation loss, and the whole configuration. It reads whatever charrnn reads (versions 1 and 2,
// and the PyTorch layout); --json prints the same as one JSON object.
import { type Checkpoint, toJson } from '../checkpoint/format.js';
import { layoutOf, readAnyCheckpoint } from '../checkpoint/interop.js';
import { OPTIONS, optionName, type TrainConfig } from '../training/config.js';
import { readModelFile } from './inputs.js';
import { writeStdout } from './output.js';
import { formatDuration } from './progress.js';

/** How many symbols of the vocabulary the preview shows. */
export const VOCAB_PREVIEW = 64;

export interface CheckpointInfo {
  file: string;
  /** 'charrnn': a checkpoint; 'torch': a model in the PyTorch layout (no training state) */
  layout: 'charrnn' | 'torch';
  /** the checkpoint format's version (1 or 2); null for a model in the PyTorch layout, not a checkpoint */
  version: number | null;
  model: TrainConfig['model'];
  layers: number;
  hidden: number;
  embedding: number;
  dtype: TrainConfig['dtype'];
  /** the model's parameters: every element of every parameter tensor */
  parameters: number;
  vocabulary: { size: number; preview: string };
  iterations: number;
  /** seconds of training (evaluation and samples excluded) */
  trainSeconds: number;
  /** in the unit of config.lossUnit: nats per character, or summed over a window (the seed's) */
  smoothLoss: number;
  /** nats per character; null before any validation */
  bestValLoss: number | null;
  /** the iteration of the best validation loss; null when not known (none yet, or an older file) */
  bestValIter: number | null;
  config: TrainConfig;
}

export function checkpointInfo(ck: Checkpoint, file: string, layout: 'charrnn' | 'torch'): CheckpointInfo {
  const c = ck.config;
  let parameters = 0;
  for (const t of ck.params.values()) parameters += t.shape.reduce((a, b) => a * b, 1);
  const p = ck.progress;
  return {
    file,
    layout,
    version: layout === 'torch' ? null : ck.version,
    model: c.model,
    layers: c.layers,
    hidden: c.hidden,
    embedding: c.embedding,
    dtype: c.dtype,
    parameters,
    vocabulary: {
      size: ck.vocab.size,
      preview: ck.vocab.codePoints
        .slice(0, VOCAB_PREVIEW)
        .map((cp) => String.fromCodePoint(cp))
        .join(''),
    },
    iterations: p.iter,
    trainSeconds: p.trainSeconds,
    smoothLoss: p.smoothLoss,
    bestValLoss: Number.isFinite(p.bestValLoss) ? p.bestValLoss : null,
    bestValIter: Number.isFinite(p.bestValLoss) && p.bestValIter > 0 ? p.bestValIter : null,
    config: c,
  };
}

const SHORT_ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\\': '\\\\',
  '"': '\\"',
};

/**
 * Text to show between double quotes: newline, tab and carriage return as \n, \t, \r, a backslash and a
 * quote escaped, and every other control, format or separator character (all but the space) as \xHH or
 * \uHHHH (\u{HHHHH} beyond the BMP), so that nothing invisible hides in it.
 */
export function escapeText(text: string): string {
  let out = '';
  for (const ch of text) {
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      const cp = ch.codePointAt(0)!;
      const hex = cp.toString(16).toUpperCase();
      out +=
        cp < 0x100
          ? `\\x${hex.padStart(2, '0')}`
          : cp < 0x10000
            ? `\\u${hex.padStart(4, '0')}`
            : `\\u{${hex}}`;
    } else out += ch;
  }
  return out;
}

/** A setting's value as its flag takes it: Infinity as `off`, an unset one as `-`. */
function settingText(value: unknown): string {
  if (value === undefined) return '-';
  if (value === Infinity) return 'off';
  return String(value);
}

/** The text `charrnn info` prints. */
export function formatInfo(i: CheckpointInfo): string {
  const c = i.config;
  const what =
    i.layout === 'torch'
      ? 'a model in the PyTorch layout (no training state: read as iteration 0)'
      : `charrnn checkpoint, version ${i.version}`;
  const more = i.vocabulary.size > VOCAB_PREVIEW ? ` (the first ${VOCAB_PREVIEW})` : '';
  const lossUnit = c.lossUnit === 'window' ? `summed over a window of ${c.seqLength}` : 'nats/char';
  const rows: [string, string][] = [
    ['file', `${i.file}: ${what}`],
    [
      'model',
      `${i.model} ${i.layers}x${i.hidden}, ${i.embedding > 0 ? `embedding ${i.embedding}` : 'one-hot input'}, ${i.dtype}`,
    ],
    ['parameters', i.parameters.toLocaleString('en-US')],
    [
      'vocabulary',
      `${i.vocabulary.size} symbol${i.vocabulary.size === 1 ? '' : 's'}: "${escapeText(i.vocabulary.preview)}"${more}`,
    ],
    ['iterations', i.iterations.toLocaleString('en-US')],
    ['training time', `${formatDuration(i.trainSeconds)} (evaluation and samples excluded)`],
    ['smooth loss', `${i.smoothLoss.toFixed(6)} (${lossUnit})`],
    [
      'best val loss',
      i.bestValLoss === null
        ? 'none (no validation yet)'
        : `${i.bestValLoss.toFixed(4)} nats/char (${(i.bestValLoss / Math.LN2).toFixed(4)} bits/char)` +
          (i.bestValIter === null ? '' : ` at iteration ${i.bestValIter.toLocaleString('en-US')}`),
    ],
  ];
  const settings: [string, string][] = OPTIONS.map(({ key }) => [optionName(key), settingText(c[key])]);
  const pad = (rows: [string, string][], indent: string) => {
    const width = Math.max(...rows.map(([k]) => k.length)) + 2;
    return rows.map(([k, v]) => `${indent}${k.padEnd(width)}${v}`).join('\n');
  };
  return `${pad(rows, '')}\nconfiguration:\n${pad(settings, '  ')}\n`;
}

/** The settings without a value, as null. */
function unset(c: TrainConfig): Record<string, null> {
  return Object.fromEntries(OPTIONS.filter(({ key }) => c[key] === undefined).map(({ key }) => [key, null]));
}

export async function runInfo(path: string, o: { json?: boolean }): Promise<void> {
  const { bytes, name } = await readModelFile(path, 'the checkpoint');
  const info = checkpointInfo(
    readAnyCheckpoint(bytes, name),
    path === '-' ? name : path,
    layoutOf(bytes, name),
  );
  // JSON: numbers JSON cannot spell (Infinity, as in --clip off) as those words, as in the checkpoint, and
  // an unset setting (--backend: picked at run time) as null
  const json = () => toJson({ ...info, config: { ...info.config, ...unset(info.config) } });
  await writeStdout(o.json ? `${json()}\n` : formatInfo(info));
}

// The checkpoint fuzzer: a valid checkpoint (any kind, version 1 or 2, or a PyTorch-layout file),
// mutated (mutate.ts), then read as the CLI's `sample` reads it (readAnyCheckpoint, Trainer.restore) and,
// when it loads, sampled for 50 characters, saved, and read again. Every case must load or be refused
// with the project's one-line error (harness.ts judges that, the time and the allocation).
import type { Checkpoint } from '../../src/checkpoint/format.js';
import { readAnyCheckpoint } from '../../src/checkpoint/interop.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { GATES } from '../../src/models/recurrent.js';
import type { TrainConfig } from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';
import {
  type Accepted,
  check,
  FuzzCheckFailed,
  lineProblem,
  MAX_MS,
  refusalCategory,
  type Target,
} from './harness.js';
import { mutate } from './mutate.js';
import type { Rand } from './random.js';
import { seedFiles } from './seeds.js';

/**
 * Bytes a loaded model legitimately asks for beyond its file: the buffers of one training window, which
 * the configuration's batch B and sequence length T size (README: every buffer is allocated when the
 * model is built). Generous on purpose: per row of (T+1)B, three gate widths and six hidden widths per
 * layer, twice the embedding and twice the vocabulary, in the model's float width, and the int32 ids.
 */
export function windowAllowance(c: TrainConfig, vocabSize: number): number {
  const rows = (c.seqLength + 1) * c.batch;
  const H = c.hidden;
  const GH = GATES[c.model] * H;
  const floats = rows * (c.layers * (3 * GH + 6 * H) + 2 * c.embedding + 2 * vocabSize + GH + H);
  return floats * (c.dtype === 'f64' ? 8 : 4) + rows * 16 + 65536;
}

/**
 * Milliseconds building a model legitimately takes beyond MAX_MS: 10 µs per row of its window (the model
 * makes views of every step of every buffer; a seq-length of 100000 takes about a second).
 */
export function windowMs(c: TrainConfig): number {
  return 0.01 * (c.seqLength + 1) * c.batch;
}

/**
 * Loads `bytes` as `charrnn sample` does (with `read`, by default readAnyCheckpoint), samples 50
 * characters, sometimes takes one training step, saves, and loads what it saved.
 */
export function loadAndSample(
  bytes: Uint8Array,
  rand?: Rand,
  read: (bytes: Uint8Array, what: string) => Checkpoint = readAnyCheckpoint,
): Accepted {
  const what = 'ckpt';
  const started = performance.now();
  const ck = read(bytes, what);
  const t = Trainer.restore(ck, undefined, { threads: 1 }, what);
  let saved: Uint8Array;
  let stepped = '';
  try {
    const text = [...t.sample(50)];
    check(text.length === 50, 'sample length', `sampled ${text.length} characters, not 50`);
    for (const ch of text) {
      check(t.vocab.id(ch.codePointAt(0)!) !== undefined, 'sample outside vocabulary', JSON.stringify(ch));
    }
    // one training step on a text of the model's own symbols, when that is cheap
    const ms = performance.now() - started;
    check(ms <= MAX_MS + windowMs(t.config), 'slow', `loading and sampling took ${ms.toFixed(0)} ms`);
    if (rand?.chance(0.3)) stepped = stepOnOwnText(t);
    try {
      saved = t.toCheckpoint();
    } catch (e) {
      // only a step (one that diverged, or went on to a state that did) may leave a state that cannot be
      // saved, and the diverged error says so; a file that loaded must save as it loaded
      if (stepped !== '' && e instanceof CharrnnError && e.kind === 'diverged') throw e;
      throw new FuzzCheckFailed('a loaded checkpoint does not save', (e as Error).message);
    }
  } finally {
    t.close();
  }
  // what a loaded checkpoint saves must load again
  const reloading = performance.now();
  try {
    Trainer.fromCheckpoint(saved, undefined, { threads: 1 }, 'the saved checkpoint').close();
  } catch (e) {
    throw new FuzzCheckFailed('a saved checkpoint does not load', (e as Error).message);
  }
  const ms = performance.now() - reloading;
  check(ms <= MAX_MS + windowMs(t.config), 'slow', `loading the saved checkpoint took ${ms.toFixed(0)} ms`);
  return {
    category: `${ck.version === 1 ? 'v1' : 'v2'} ${ck.config.model}${stepped}`,
    allowance: 2 * windowAllowance(t.config, t.vocab.size) + 8 * saved.length,
    extraMs: 2 * windowMs(t.config),
  };
}

/**
 * One training step on a text of the model's own symbols, long enough for its streams and validation
 * split; skipped when that text would be long. A one-line refusal (a diverged step) is an outcome.
 */
function stepOnOwnText(t: Trainer): string {
  const c = t.config;
  const part = Math.min(c.valFraction, 1 - c.valFraction);
  const need = Math.ceil((4 * c.batch * (c.seqLength + 1) + 2) / (c.valFraction > 0 ? part : 1));
  if (need > 50_000) return '';
  const chars = t.vocab.codePoints.map((cp) => String.fromCodePoint(cp));
  const text = Array.from({ length: need }, (_, i) => chars[(i * 7) % chars.length]).join('');
  try {
    t.setData(corpusFromString(text));
    t.step();
    return ', stepped';
  } catch (e) {
    if (e instanceof CharrnnError && lineProblem(e) === undefined)
      return `, step refused: ${refusalCategory(e.message)}`;
    throw e;
  }
}

export const checkpointTarget: Target = {
  name: 'checkpoint',
  maxMs: 3 * MAX_MS, // load and sample, one step, load again: each under MAX_MS
  make(rand) {
    const { checkpoints, torch } = seedFiles();
    const seed = rand.chance(0.85) ? rand.pick(checkpoints) : rand.pick(torch);
    const m = mutate(rand, seed.bytes);
    return {
      mutation: `${seed.name}: ${m.mutation}`,
      inputBytes: m.bytes.length,
      run: () => loadAndSample(m.bytes, rand),
    };
  },
};

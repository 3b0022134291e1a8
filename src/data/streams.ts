// How a text becomes training windows: the ids are cut into B contiguous streams (char-rnn's split), and
// each step takes the next window of T characters from every stream, the targets one character ahead.
// Three rules say which windows exist (TrainConfig.windowing): 'streams' uses every character; 'seed' is
// min-char-rnn's data pointer, which goes back to the start when a window would reach the last character
// (`if p+seq_length+1 >= len(data)`), so with one stream it visits exactly the windows the seed visits;
// 'shifted' is 'streams' with every pass over the text moved on by an offset below T, drawn afresh for each
// pass, so that the windows' edges (where backpropagation stops) fall elsewhere each time.
import { CharrnnError, shownValue } from '../errors.js';
import type { IdArray } from './text.js';

export type Windowing = 'streams' | 'seed' | 'shifted';

/**
 * The text as B streams of L characters each; window w of stream b starts at b*L + w*T, plus the pass's
 * shift (below `shifts`) in 'shifted' windowing.
 */
export interface Streams {
  readonly ids: IdArray;
  /** B */
  readonly batch: number;
  /** T */
  readonly seqLength: number;
  /** characters per stream */
  readonly L: number;
  /** windows per pass over the text */
  readonly windows: number;
  /** how many shifts a pass may take (0 to shifts - 1 characters); 1: none */
  readonly shifts: number;
}

/**
 * What lengthens a text too short for the run's windows, by what it is (the start of `what`), besides a
 * longer text: a validation split grows with --val-fraction, a training split shrinks, a validation text
 * given apart (--val-file) is what it is. `hint` is the whole advice of a new run; `split` is the part about
 * the split alone, for a resume, whose --batch and --seq-length stay.
 */
const SHORT: readonly { what: string; hint: string; split: string }[] = [
  {
    what: 'the validation text',
    hint: 'use a longer validation text, or a smaller --batch or --seq-length',
    split: ' (or a longer validation text)',
  },
  {
    what: 'the validation split',
    hint: 'use a longer text, or a smaller --batch or --seq-length, or a larger --val-fraction (or a longer --val-file)',
    split: ', or a larger --val-fraction (or a longer --val-file)',
  },
  {
    what: 'the training split',
    hint: 'use a longer text, or a smaller --batch, --seq-length or --val-fraction',
    split: ', or a smaller --val-fraction',
  },
];
const SHORT_TEXT = { hint: 'use a longer text, or a smaller --batch or --seq-length', split: '' };

/**
 * A text (or a split of it) too short for the run's windows. `splitRemedy`: what to do about the split
 * besides a longer text (', or a smaller --val-fraction'; empty for a whole text), for a host whose
 * windows cannot change.
 */
export class TextTooShort extends CharrnnError {
  constructor(
    message: string,
    hint: string,
    readonly splitRemedy: string,
  ) {
    super(message, hint);
  }
}

/** B streams of windows of T over `ids`; `what` names the text in the error when it is too short. */
export function makeStreams(ids: IdArray, B: number, T: number, windowing: Windowing, what: string): Streams {
  const L = Math.floor((ids.length - 1) / B);
  if (L < T) {
    const need = B * T + 1;
    const has = `${what} has ${ids.length} character${ids.length === 1 ? '' : 's'}`;
    const { hint, split } = SHORT.find((r) => what.startsWith(r.what)) ?? SHORT_TEXT;
    throw new TextTooShort(
      B === 1
        ? `${has}, but a window of seq-length ${T} needs at least ${need}`
        : `${has}, but ${B} streams of seq-length ${T} need at least ${need}`,
      hint,
      split,
    );
  }
  // the seed's pointer needs one more character after a window (p + T + 1 < len), but takes the first
  // window even when there is none (it resets and trains on it again); a shifted pass leaves room for a
  // shift of up to T - 1 after its windows, unless the stream holds one window only
  const windows =
    windowing === 'seed'
      ? Math.max(1, Math.floor((L - 1) / T))
      : windowing === 'shifted'
        ? Math.max(1, Math.floor((L - T + 1) / T))
        : Math.floor(L / T);
  const shifts = windowing === 'shifted' ? Math.min(T, L - windows * T + 1) : 1;
  return { ids, batch: B, seqLength: T, L, windows, shifts };
}

/**
 * The shift of the pass that began at iteration `passStart` of a run seeded with `seed`: a hash of the two,
 * so that a resumed run lays the same windows as one that never stopped. Below `s.shifts` (0 when it is 1).
 */
export function passShift(s: Streams, seed: number, passStart: number): number {
  if (s.shifts <= 1) return 0;
  let h = mix32(seed >>> 0);
  h = mix32(h ^ Math.floor(passStart / 0x100000000));
  h = mix32(h ^ (passStart >>> 0));
  return h % s.shifts;
}

/** A 32-bit integer hash (the finalizer of MurmurHash3): every input bit moves every output bit. */
function mix32(x: number): number {
  let h = (x ^ (x >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Window w of every stream into inputs and targets (B*T ids each, b-major: stream b at [b*T, b*T+T)),
 * moved on by `shift` characters (below `s.shifts`).
 */
export function fillWindow(s: Streams, w: number, inputs: Int32Array, targets: Int32Array, shift = 0): void {
  const { batch: B, seqLength: T, L, ids } = s;
  for (let b = 0; b < B; b++) {
    const start = b * L + w * T + shift;
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = ids[start + t];
      targets[b * T + t] = ids[start + t + 1];
    }
  }
}

/** Where the validation split of `n` ids starts when it is the last `valFraction` of them. */
export function valStart(n: number, valFraction: number): number {
  return n - Math.floor(n * valFraction);
}

/** The text split into training ids and the last `valFraction` of it for validation (a view each). */
export function splitText(ids: IdArray, valFraction: number): { train: IdArray; val: IdArray } {
  return splitAt(ids, valStart(ids.length, valFraction));
}

/** The text split at `valFrom`: the ids before it train, the ids from it on validate (a view each). */
export function splitAt(ids: IdArray, valFrom: number): { train: IdArray; val: IdArray } {
  if (!Number.isSafeInteger(valFrom) || valFrom < 0 || valFrom > ids.length) {
    throw new CharrnnError(
      `the validation split must start within the text's ${ids.length} characters, got ${shownValue(valFrom)}`,
      'give valFrom, the index of its first character, from 1 to the length of the text',
      'usage',
    );
  }
  return { train: ids.subarray(0, valFrom), val: ids.subarray(valFrom) };
}

/** How a run lays a text out (TrainConfig's fields of the same names). */
export interface Layout {
  batch: number;
  seqLength: number;
  /** where the validation split starts when `layText` is given no split point */
  valFraction: number;
  windowing: Windowing;
}

/**
 * A fingerprint of the characters `s` holds (FNV-1a over its ids and its length, 8 hex digits): a
 * checkpoint keeps its validation split's, so that a run resumed on another validation text knows its best
 * loss no longer compares.
 */
export function digestOf(s: Streams): string {
  const ids = s.ids;
  let h = 0x811c9dc5 ^ ids.length;
  for (let i = 0; i < ids.length; i++) h = Math.imul(h ^ ids[i]!, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A text laid out for training: the streams of the training split (by the run's windowing) and of the
 * validation split (every window, from zero states), if any. The validation split is `ids[valFrom:]`, by
 * default the last `valFraction` of the text. Throws one line when a split is too short.
 */
export function layText(
  ids: IdArray,
  c: Layout,
  valFrom?: number,
): { train: Streams; val: Streams | undefined } {
  const { train, val } = splitAt(ids, valFrom ?? valStart(ids.length, c.valFraction));
  if (val.length === 0 && valFrom === undefined && c.valFraction > 0) {
    // a fraction asked for validation, but of this text it holds out no character: say so, not train without
    makeStreams(
      val,
      c.batch,
      c.seqLength,
      'streams',
      `the validation split (--val-fraction ${c.valFraction})`,
    );
  }
  if (val.length === 0)
    return { train: makeStreams(train, c.batch, c.seqLength, c.windowing, 'the text'), val: undefined };
  // a split at a given point (--val-file's text) is two texts, not a fraction of one
  const given = valFrom !== undefined;
  return {
    train: makeStreams(
      train,
      c.batch,
      c.seqLength,
      c.windowing,
      given ? 'the training text' : 'the training split',
    ),
    val: makeStreams(
      val,
      c.batch,
      c.seqLength,
      'streams',
      given ? 'the validation text' : 'the validation split',
    ),
  };
}

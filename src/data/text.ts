// Text: the vocabulary (Unicode code points, sorted by code point) and the corpus as a typed array of ids.
// Decoding is strict UTF-8 in one streaming pass over byte chunks, so a corpus is never one JavaScript
// string (V8 caps strings near 2^29 units) and ids live in the narrowest typed array that fits.
import { CharrnnError, shownValue } from '../errors.js';

export type IdArray = Uint8Array | Uint16Array | Uint32Array;

/** The symbols of a model: code points sorted ascending; id = index. */
export class Vocab {
  readonly size: number;
  private readonly index = new Map<number, number>();
  private readonly chars: string[];

  constructor(readonly codePoints: readonly number[]) {
    const isCodePoint = (cp: unknown) =>
      Number.isInteger(cp) && (cp as number) >= 0 && (cp as number) <= 0x10ffff;
    if (!Array.isArray(codePoints) || !codePoints.every(isCodePoint)) {
      throw new CharrnnError(
        `a Vocab is a list of code points (integers from 0 to 0x10FFFF), got ${shownValue(codePoints)}`,
        'make one with Vocab.fromText(text)',
        'usage',
      );
    }
    this.size = codePoints.length;
    this.chars = codePoints.map((cp) => String.fromCodePoint(cp));
    codePoints.forEach((cp, i) => {
      if (i > 0 && cp <= codePoints[i - 1]) {
        throw new CharrnnError(
          "a Vocab's code points must be sorted ascending and unique",
          'make one with Vocab.fromText(text)',
          'usage',
        );
      }
      this.index.set(cp, i);
    });
  }

  /** The vocabulary of a string (sorted by code point, not by UTF-16 unit). */
  static fromText(text: string): Vocab {
    const set = new Set<number>();
    for (const ch of text) set.add(ch.codePointAt(0)!);
    return new Vocab([...set].sort((a, b) => a - b));
  }

  /** The vocabulary as one string, in id order (for checkpoints and display). */
  toString(): string {
    return this.chars.join('');
  }

  char(id: number): string {
    return this.chars[id];
  }

  id(codePoint: number): number | undefined {
    return this.index.get(codePoint);
  }

  /** Ids of a string; throws a CharrnnError naming the first symbol outside the vocabulary. */
  encode(text: string, what = 'text'): Int32Array {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.index.get(ch.codePointAt(0)!);
      if (id === undefined) {
        throw new CharrnnError(
          `${what} contains ${describeChar(ch)}, which is not in the model's vocabulary of ${this.size} symbol${this.size === 1 ? '' : 's'}`,
          'use only characters the model was trained on',
        );
      }
      out.push(id);
    }
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>, start = 0, end = ids.length): string {
    let s = '';
    for (let i = start; i < end; i++) s += this.chars[ids[i]];
    return s;
  }
}

/**
 * What a message calls the characters of messy text that show as nothing or as a space, after their code
 * point: a prime file saved with a byte-order mark or Windows line ends names them so.
 */
const NAMED: ReadonlyMap<number, string> = new Map([
  [0x00, 'NUL'],
  [0x09, 'a tab'],
  [0x0a, 'a newline'],
  [0x0d, 'a carriage return, as in Windows line ends'],
  [0xa0, 'a no-break space'],
  [0x200b, 'a zero-width space'],
  [0xfeff, 'a byte-order mark'],
]);

export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMED.get(cp);
  if (name !== undefined) return `${hex} (${name})`;
  // control characters, line separators and lone surrogates by number only: a message stays one printable line
  const unprintable =
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0xd800 && cp <= 0xdfff);
  return unprintable ? hex : `'${ch}' (${hex})`;
}

/** A corpus: its vocabulary and its text as ids. */
export interface Corpus {
  readonly vocab: Vocab;
  readonly ids: IdArray;
}

/** The most bytes of UTF-8 a corpus takes: its ids are one typed array, which engines cap at 2^32 elements. */
export const MAX_TEXT_BYTES = 2 ** 32;

/**
 * The refusal of a text over MAX_TEXT_BYTES: `what` ('the text', 'the texts', 'standard input') and its
 * size in bytes, when known before reading.
 */
export function textTooLong(what: string, bytes?: number): CharrnnError {
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;
  const size =
    bytes === undefined
      ? 'holds more than'
      : `${what === 'the texts' ? 'are' : 'is'} ${gib(bytes)}, more than`;
  return new CharrnnError(
    `${what} ${size} the ${gib(MAX_TEXT_BYTES)} one corpus can hold`,
    'train on a part (for example: head -c 1G FILE > part.txt)',
  );
}

/**
 * Streaming strict UTF-8 decoder that assigns ids in one pass. Ids are provisional (order of first
 * appearance) while reading and remapped to the sorted vocabulary in place at the end, by `finish()`, which
 * ends the encoder: it gives one corpus. `capacity` is an upper bound on the number of characters (the byte
 * length of the input serves).
 */
export class CorpusEncoder {
  private ids: IdArray;
  private length = 0;
  private readonly firstSeen: number[] = [];
  private readonly provisional = new Map<number, number>();
  private readonly ascii = new Int32Array(128).fill(-1);
  private bytesRead = 0;
  // an incomplete multi-byte sequence carried over from the previous chunk
  private pending = new Uint8Array(4);
  private pendingLength = 0;
  private pendingOffset = 0;
  // whether a multi-byte UTF-8 character came before: then the text is UTF-8 with bad bytes in it
  private multiByte = false;

  /** set by finish(): its corpus's ids are this encoder's array, remapped */
  private finished = false;

  constructor(private readonly capacity: number) {
    if (!(Number.isSafeInteger(capacity) && capacity >= 0)) {
      throw new CharrnnError(
        `a CorpusEncoder's capacity must be a whole number >= 0, got ${shownValue(capacity)}`,
        'give the byte length of the whole text',
        'usage',
      );
    }
    if (capacity > MAX_TEXT_BYTES) throw textTooLong('the text', capacity);
    this.ids = new Uint8Array(capacity);
  }

  write(chunk: Uint8Array): void {
    this.checkOpen();
    checkBytes(chunk, 'CorpusEncoder.write');
    // a chunk of n bytes holds at most n characters: one that may hold more than there is room for is
    // written in parts that cannot (at least a byte at a time: a byte that ends a character or starts one
    // past the capacity is refused then), so that the capacity counts characters, not bytes
    for (let at = 0; at < chunk.length; ) {
      const part = Math.max(1, this.capacity - this.length);
      this.writePart(at === 0 && part >= chunk.length ? chunk : chunk.subarray(at, at + part));
      at += part;
    }
  }

  private writePart(chunk: Uint8Array): void {
    let i = 0;
    if (this.pendingLength > 0) {
      // complete the sequence split across chunks, one byte at a time
      while (i < chunk.length && this.pendingLength < sequenceLength(this.pending[0])) {
        this.pending[this.pendingLength++] = chunk[i++];
      }
      if (this.pendingLength < sequenceLength(this.pending[0])) {
        this.bytesRead += i;
        return;
      }
      const cp = decodeSequence(this.pending, 0, this.pendingLength);
      if (cp < 0) throw this.invalid(this.pendingOffset);
      this.push(cp);
      this.pendingLength = 0;
    }
    const ascii = this.ascii;
    const n = chunk.length;
    // a chunk of n bytes holds at most n characters
    if (this.length + n - i > this.capacity) throw this.overCapacity();
    // the hot loop keeps the id array and the length in locals; slow paths write them back
    let ids = this.ids;
    let length = this.length;
    while (i < n) {
      const b = chunk[i];
      if (b < 0x80) {
        let id = ascii[b];
        if (id < 0) {
          this.length = length;
          id = ascii[b] = this.newSymbol(b);
          ids = this.ids;
        }
        ids[length++] = id;
        i++;
        continue;
      }
      const len = sequenceLength(b);
      if (len === 0) {
        const at = this.bytesRead + i;
        // FF FE or FE FF first: a UTF-16 byte-order mark (0xFE and 0xFF never occur in UTF-8); FF FE 00 00
        // first, or 00 00 FE FF (two NULs read already), UTF-32's
        if (at === 0 && i + 3 < n && b === 0xff && chunk[1] === 0xfe && chunk[2] === 0 && chunk[3] === 0) {
          throw byteOrderMark('UTF-32');
        }
        if (
          at === 2 &&
          i === 2 &&
          n > 3 &&
          chunk[0] === 0 &&
          chunk[1] === 0 &&
          b === 0xfe &&
          chunk[3] === 0xff
        ) {
          throw byteOrderMark('UTF-32');
        }
        if (at === 0 && i + 1 < n && (b === 0xff || b === 0xfe) && chunk[i + 1] === (b ^ 1)) {
          throw byteOrderMark('UTF-16');
        }
        throw this.invalid(at);
      }
      if (i + len > n) {
        // validate what we have now so an error names the right offset, then carry the rest over
        for (let j = i + 1; j < n; j++)
          if ((chunk[j] & 0xc0) !== 0x80) throw this.invalid(this.bytesRead + i);
        this.pending.set(chunk.subarray(i, n));
        this.pendingLength = n - i;
        this.pendingOffset = this.bytesRead + i;
        break;
      }
      this.length = length;
      const cp = decodeSequence(chunk, i, len);
      if (cp < 0) throw this.invalid(this.bytesRead + i); // like Python: the offset of the sequence's first byte
      this.push(cp);
      ids = this.ids;
      length = this.length;
      i += len;
    }
    this.length = length;
    this.bytesRead += n;
  }

  /** Ends the stream: checks nothing is left half-decoded, sorts the vocabulary and remaps ids in place. */
  finish(): Corpus {
    this.checkOpen();
    if (this.pendingLength > 0) throw this.invalid(this.pendingOffset, 'a truncated sequence');
    this.finished = true;
    const sorted = [...this.firstSeen].sort((a, b) => a - b);
    const vocab = new Vocab(sorted);
    const remap = new Uint32Array(sorted.length);
    this.firstSeen.forEach((cp, provisionalId) => {
      remap[provisionalId] = vocab.id(cp)!;
    });
    const ids = this.ids.subarray(0, this.length);
    for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]];
    return { vocab, ids };
  }

  /** The refusal of invalid UTF-8 at `offset`, its hint by what came before (see invalidUtf8). */
  private invalid(offset: number, what?: string): CharrnnError {
    return invalidUtf8(offset, what, this.multiByte);
  }

  /** Another write or finish once the corpus is given would renumber its ids in place: refused. */
  private checkOpen(): void {
    if (this.finished) {
      throw new CharrnnError(
        'this CorpusEncoder has already finished its corpus',
        'make a new CorpusEncoder for another text',
        'usage',
      );
    }
  }

  private overCapacity(): CharrnnError {
    return new CharrnnError(
      `the text has more characters than the CorpusEncoder's capacity of ${this.capacity}`,
      'give the encoder the byte length of the whole text',
    );
  }

  private push(cp: number): void {
    this.multiByte = true; // every code point but ASCII's comes here
    let id = this.provisional.get(cp);
    if (id === undefined) id = this.newSymbol(cp);
    this.append(id);
  }

  private newSymbol(cp: number): number {
    const id = this.firstSeen.length;
    this.firstSeen.push(cp);
    this.provisional.set(cp, id);
    // widen the id array when the next id no longer fits (Uint8 -> Uint16 -> Uint32)
    if (id === 256 && this.ids instanceof Uint8Array) this.widen(new Uint16Array(this.capacity));
    if (id === 65536 && this.ids instanceof Uint16Array) this.widen(new Uint32Array(this.capacity));
    return id;
  }

  private widen(next: IdArray): void {
    next.set(this.ids.subarray(0, this.length));
    this.ids = next;
  }

  private append(id: number): void {
    if (this.length >= this.capacity) throw this.overCapacity();
    this.ids[this.length++] = id;
  }
}

/** Decodes a whole buffer (e.g. a file read at once, or text from a page) into a corpus. */
export function encodeCorpus(bytes: Uint8Array): Corpus {
  checkBytes(bytes, 'encodeCorpus');
  const encoder = new CorpusEncoder(bytes.length);
  encoder.write(bytes);
  return encoder.finish();
}

/** A corpus from a JavaScript string (for small texts: tests, the page's paste box). */
export function corpusFromString(text: string): Corpus {
  if (typeof text !== 'string') {
    throw new CharrnnError(
      `corpusFromString takes a string, got ${shownValue(text)}`,
      "for a text's bytes use encodeCorpus",
      'usage',
    );
  }
  return encodeCorpus(new TextEncoder().encode(text));
}

/** A string (or anything else) where bytes go would read as invalid UTF-8: named for what it is instead. */
function checkBytes(bytes: Uint8Array, who: string): void {
  if (!(bytes instanceof Uint8Array) && Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
    throw new CharrnnError(
      `${who} takes the text's UTF-8 bytes (a Uint8Array), got ${shownValue(bytes)}`,
      typeof bytes === 'string' ? 'for a string use corpusFromString' : '',
      'usage',
    );
  }
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0; // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF (F5..FF)
}

/** Decodes one multi-byte sequence at bytes[i..i+len); -1 when it is not valid (overlongs, surrogates too). */
function decodeSequence(bytes: Uint8Array, i: number, len: number): number {
  const b0 = bytes[i];
  let cp = len === 2 ? b0 & 0x1f : len === 3 ? b0 & 0x0f : b0 & 0x07;
  for (let k = 1; k < len; k++) {
    const b = bytes[i + k];
    if ((b & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (len === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return -1;
  if (len === 4 && (cp < 0x10000 || cp > 0x10ffff)) return -1;
  return cp;
}

/**
 * Whether the text holds NUL characters (U+0000): valid UTF-8, but the mark of UTF-16 without a byte-order
 * mark, or of a binary file. Hosts say so (the CLI warns; the page's text line notes it).
 */
export function hasNulCharacters(corpus: Corpus): boolean {
  return corpus.vocab.id(0) !== undefined;
}

function byteOrderMark(encoding: 'UTF-16' | 'UTF-32'): CharrnnError {
  return new CharrnnError(
    `the text is ${encoding} (it starts with a ${encoding} byte-order mark), not UTF-8`,
    `convert the file to UTF-8 (for example with iconv -f ${encoding} -t UTF-8) and try again`,
  );
}

/**
 * The refusal of invalid UTF-8, with what to do. A text that had only ASCII before the bad byte is most often
 * Latin-1 or Windows-1252 (a superset of Latin-1's printable characters), in which é, ü or “ are one byte of
 * their own: the hint is the command that converts it. One that had UTF-8's multi-byte characters before is
 * UTF-8 with bad bytes in it (cut, or joined from pieces), which that command would garble: the hint is the one
 * that drops them.
 */
function invalidUtf8(offset: number, what = 'an invalid byte', utf8Before = false): CharrnnError {
  return new CharrnnError(
    `the text is not valid UTF-8: ${what} at byte offset ${offset}`,
    utf8Before
      ? 'it is UTF-8 before that: remove the bad bytes and try again (iconv -f UTF-8 -t UTF-8 -c FILE > FILE.utf8 drops them)'
      : 'convert the file to UTF-8 and try again (Latin-1 or Windows-1252 text: iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8)',
  );
}

/**
 * Throws a usage error when `corpus` is not one (a string passed for `corpusFromString(text)`, say); `who`
 * names the call that takes it.
 */
export function checkCorpus(corpus: Corpus, who: string): void {
  const c = corpus as Partial<Corpus> | null;
  const isCorpus =
    typeof c === 'object' &&
    c !== null &&
    typeof c.vocab?.size === 'number' &&
    ArrayBuffer.isView(c.ids) &&
    !(c.ids instanceof DataView);
  if (!isCorpus) {
    throw new CharrnnError(
      `${who} takes a corpus, got ${shownValue(corpus)}`,
      'make one with corpusFromString(text) or encodeCorpus(bytes)',
      'usage',
    );
  }
}

/**
 * The corpus's ids in `vocab`'s numbering; a symbol outside `vocab` is a clear error, with `hint` (by
 * default what to do when training on the text) for what to do.
 */
export function remapCorpus(
  corpus: Corpus,
  vocab: Vocab,
  hint = 'train on text with the same symbols, or start a new model on this text',
): IdArray {
  if (corpus.vocab === vocab || corpus.vocab.toString() === vocab.toString()) return corpus.ids;
  const table = new Int32Array(corpus.vocab.size);
  const missing: string[] = [];
  corpus.vocab.codePoints.forEach((cp, i) => {
    const id = vocab.id(cp);
    if (id === undefined) missing.push(String.fromCodePoint(cp));
    table[i] = id ?? -1;
  });
  if (missing.length > 0) {
    // each with its code point: a combining mark or an invisible character shows nothing of its own
    const listed = missing.slice(0, 5).map(describeChar).join(', ');
    throw new CharrnnError(
      `the text has ${missing.length} symbol${missing.length > 1 ? 's' : ''} outside the model's vocabulary (${listed}${missing.length > 5 ? ', ...' : ''})`,
      hint,
    );
  }
  const n = corpus.ids.length;
  const ids =
    vocab.size <= 256 ? new Uint8Array(n) : vocab.size <= 65536 ? new Uint16Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = table[corpus.ids[i]];
  return ids;
}

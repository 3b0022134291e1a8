// The corpus fuzzer: random bytes and mutated UTF-8 through the corpus decoder (encodeCorpus, the
// streaming CorpusEncoder fed in random chunks, and readTexts with several documents and small reads).
// Each case must give a corpus or the one-line error that names the byte offset. Both are checked against
// an independent decoder, the platform's TextDecoder in fatal mode: a valid text must decode to the same
// characters (the ids read back through the vocabulary) with the vocabulary its sorted set of code points;
// an invalid one must be refused at the offset where its first bad sequence starts, which is the length of
// its longest valid prefix.
import { type Corpus, CorpusEncoder, encodeCorpus } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { readTexts } from '../../src/node/io.js';
import { check, FuzzCheckFailed, type Target } from './harness.js';
import type { Rand } from './random.js';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or undefined when it is not valid UTF-8 (the independent decoder). */
export function referenceDecode(bytes: Uint8Array): string | undefined {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Where the first invalid sequence of `bytes` starts, by the independent decoder: feed it byte by byte in
 * streaming mode to find the first byte it cannot accept (or the end, for a truncated last sequence), then
 * step back to the longest prefix that decodes completely (a sequence is at most 4 bytes).
 */
export function referenceBadOffset(bytes: Uint8Array): number {
  const stream = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let j = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    try {
      stream.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      j = i;
      break;
    }
  }
  for (let o = j; o >= Math.max(0, j - 4); o--)
    if (referenceDecode(bytes.subarray(0, o)) !== undefined) return o;
  throw new Error('no valid prefix within 4 bytes of the error');
}

// ---- making texts ----

/** A code point from every UTF-8 length and the edges of each range. */
function codePoint(rand: Rand): number {
  return rand.weighted<() => number>([
    [6, () => rand.range(0x20, 0x7e)],
    [1, () => rand.range(0, 0x7f)],
    [2, () => rand.range(0x80, 0x7ff)],
    [2, () => rand.range(0x800, 0xffff - 0x800)],
    [1, () => rand.range(0x10000, 0x10ffff)],
    [
      1,
      () =>
        rand.pick([
          0x1e, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x10ffff,
        ]),
    ],
  ])();
}

function validText(rand: Rand): string {
  const n = rand.weighted([
    [2, rand.range(1, 8)],
    [4, rand.range(1, 200)],
    [1, rand.range(200, 3000)],
  ]);
  let s = '';
  for (let i = 0; i < n; i++) {
    let cp = codePoint(rand);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** Byte sequences that are never valid UTF-8 (or only as a part of something longer). */
const BAD_SEQUENCES = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xe0, 0x9f, 0xbf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
  [0xfe],
  [0xc2],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xc2, 0x41],
  [0xe2, 0x41, 0x82],
];

function mutateBytes(rand: Rand, bytes: Uint8Array): { bytes: Uint8Array; what: string } {
  const out = Array.from(bytes);
  const what: string[] = [];
  for (let k = rand.range(1, 4); k > 0; k--) {
    const at = rand.int(out.length + 1);
    switch (rand.int(5)) {
      case 0:
        if (out.length > 0) {
          const i = Math.min(at, out.length - 1);
          out[i]! ^= 1 << rand.int(8);
          what.push(`bit flip at ${i}`);
        }
        break;
      case 1: {
        const seq = rand.pick(BAD_SEQUENCES);
        out.splice(at, 0, ...seq);
        what.push(`${seq.map((b) => b.toString(16)).join(' ')} inserted at ${at}`);
        break;
      }
      case 2:
        out.length = Math.min(out.length, at);
        what.push(`truncated to ${at}`);
        break;
      case 3:
        out.splice(at, 0, rand.int(256));
        what.push(`random byte at ${at}`);
        break;
      default:
        out.splice(at, 1);
        what.push(`byte ${at} removed`);
    }
  }
  return { bytes: Uint8Array.from(out), what: what.join(', ') };
}

// ---- the three ways in ----

/** The streaming encoder, fed in chunks of random sizes (1 byte up to all of it). */
function encodeInChunks(rand: Rand, bytes: Uint8Array): { corpus: Corpus; chunks: string } {
  const encoder = new CorpusEncoder(bytes.length);
  const sizes: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = rand.weighted([
      [3, 1],
      [3, rand.range(1, 5)],
      [2, rand.range(1, 64)],
      [1, bytes.length],
    ]);
    encoder.write(bytes.subarray(at, at + n));
    sizes.push(n);
    at += n;
  }
  return { corpus: encoder.finish(), chunks: sizes.slice(0, 6).join(',') };
}

function checkCorpus(corpus: Corpus, text: string): void {
  let decoded = '';
  for (let i = 0; i < corpus.ids.length; i++) decoded += corpus.vocab.char(corpus.ids[i]!);
  check(decoded === text, 'decoded text differs', `decoded ${JSON.stringify(decoded.slice(0, 40))}`);
  const expected = [...new Set(Array.from(text, (c) => c.codePointAt(0)!))].sort((a, b) => a - b);
  check(
    expected.join(',') === corpus.vocab.codePoints.join(','),
    'vocabulary differs',
    `${corpus.vocab.codePoints.length} symbols, expected ${expected.length}`,
  );
}

/** The refusal must be the one-line error naming the offset of the first bad sequence. */
function checkRefusal(e: unknown, bytes: Uint8Array, prefix = ''): never {
  if (!(e instanceof CharrnnError)) throw e;
  const m = /at byte offset (\d+)$/.exec(e.message);
  check(m !== null, 'refusal names no offset', e.message);
  const expected = referenceBadOffset(bytes);
  check(Number(m[1]) === expected, 'wrong offset', `${e.message}, expected offset ${expected}`);
  check(e.message.startsWith(prefix), 'refusal names the wrong document', `${e.message}, expected ${prefix}`);
  throw e;
}

export const textTarget: Target = {
  name: 'text',
  make(rand) {
    const valid = new TextEncoder().encode(validText(rand));
    const source = rand.weighted<() => { bytes: Uint8Array; what: string }>([
      [2, () => ({ bytes: valid, what: 'valid text' })],
      [5, () => mutateBytes(rand, valid)],
      [2, () => ({ bytes: rand.bytes(rand.range(0, 300)), what: 'random bytes' })],
    ])();
    const bytes = source.bytes;
    const way = rand.weighted([
      [3, 'whole'],
      [4, 'chunks'],
      [2, 'documents'],
    ]);
    if (way === 'documents') return documentsCase(rand, bytes, source.what);
    return {
      mutation: `${source.what}, ${bytes.length} bytes, ${way}`,
      inputBytes: bytes.length,
      run: () => {
        const text = referenceDecode(bytes);
        let corpus: Corpus;
        try {
          corpus = way === 'whole' ? encodeCorpus(bytes) : encodeInChunks(rand, bytes).corpus;
        } catch (e) {
          if (text !== undefined) throw new FuzzCheckFailed('valid text refused', (e as Error).message);
          checkRefusal(e, bytes);
        }
        check(text !== undefined, 'invalid text accepted', `offset ${referenceBadOffset(bytes)}`);
        checkCorpus(corpus, text);
        return { category: corpus.ids.length === 0 ? 'empty text' : 'valid text' };
      },
    };
  },
};

/** Several documents in two parts through readTexts, read a few bytes at a time. */
function documentsCase(rand: Rand, bytes: Uint8Array, what: string) {
  const docs = [bytes, new TextEncoder().encode(validText(rand))];
  if (rand.chance(0.5)) docs.reverse();
  if (rand.chance(0.3)) docs.push(mutateBytes(rand, docs[0]!).bytes);
  const split = rand.range(1, docs.length);
  const parts = [docs.slice(0, split), docs.slice(split)].filter((p) => p.length > 0);
  const chunkBytes = rand.pick([1, 2, 3, 4, 5, 7, 64, 1 << 20]);
  return {
    mutation: `${what}, documents of ${docs.map((d) => d.length).join('+')} bytes in ${parts.length} parts, read ${chunkBytes} at a time`,
    inputBytes: docs.reduce((n, d) => n + d.length, 0),
    run: () => {
      const named = parts.map((p, k) => p.map((b, i) => ({ name: `doc${k}.${i}`, bytes: b })));
      const texts = named.map((p) => p.map((d) => referenceDecode(d.bytes)));
      const firstBad = named.flat().find((d) => d.bytes.length > 0 && referenceDecode(d.bytes) === undefined);
      const empty = named.flat().find((d) => d.bytes.length === 0);
      let read: ReturnType<typeof readTexts>;
      try {
        read = readTexts(named, { chunkBytes });
      } catch (e) {
        if (e instanceof CharrnnError && empty && /is empty/.test(e.message)) throw e;
        if (!firstBad) throw new FuzzCheckFailed('valid documents refused', (e as Error).message);
        checkRefusal(e, firstBad.bytes, `${firstBad.name}: `);
      }
      check(firstBad === undefined && empty === undefined, 'invalid documents accepted');
      const joined = texts.map((p) => p.join('\u001e'));
      checkCorpus(read.corpus, joined.join(''));
      let at = 0;
      joined.forEach((t, k) => {
        check(read.starts[k] === at, 'part starts differ', `${read.starts}`);
        at += Array.from(t).length;
      });
      return { category: 'valid documents' };
    },
  };
}

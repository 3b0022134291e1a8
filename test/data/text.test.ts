// Vocabulary and corpus encoding: code points (not UTF-16 units), sorted by code point, strict UTF-8
// with the byte offset of the first error, chunk boundaries inside characters, narrowest id arrays.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorpusEncoder, corpusFromString, encodeCorpus, Vocab } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('vocabulary', () => {
  it('is the set of code points sorted by code point: an emoji is one symbol and sorts after U+FF0C', () => {
    const c = corpusFromString('b😀a，b😀');
    assert.deepEqual([...c.vocab.toString()], ['a', 'b', '，', '😀']);
    assert.equal(c.vocab.size, 4);
    assert.deepEqual(Array.from(c.ids), [1, 3, 0, 2, 1, 3]);
    // JavaScript's default sort by UTF-16 units would put the emoji (0xD83D...) before U+FF0C
    assert.deepEqual(['，', '😀'].sort(), ['😀', '，']);
  });

  it('encodes and decodes, and names a symbol outside the vocabulary', () => {
    const v = Vocab.fromText('hello');
    assert.equal(v.decode(v.encode('hello')), 'hello');
    assert.throws(
      () => v.encode('hex', 'the prime text'),
      (e: unknown) => e instanceof CharrnnError && /the prime text contains 'x' \(U\+0078\)/.test(e.message),
    );
  });

  it('names the characters that show as nothing or as a space (Windows line ends, a byte-order mark)', () => {
    const v = Vocab.fromText('hello there');
    for (const [text, named] of [
      ['hello\r\n', 'U+000D (a carriage return, as in Windows line ends)'],
      ['\ufeffhello', 'U+FEFF (a byte-order mark)'],
      ['hello\tthere', 'U+0009 (a tab)'],
      ['hello\u00a0there', 'U+00A0 (a no-break space)'],
      ['hello\u200b', 'U+200B (a zero-width space)'],
      ['hello\0', 'U+0000 (NUL)'],
    ]) {
      assert.throws(
        () => v.encode(text, 'the prime text'),
        (e: unknown) =>
          e instanceof CharrnnError &&
          e.message ===
            `the prime text contains ${named}, which is not in the model's vocabulary of 7 symbols`,
        JSON.stringify(text),
      );
    }
  });
});

describe('Vocab made by a program', () => {
  it('refuses code points that are not sorted, unique integers of Unicode, naming the problem', () => {
    const refused = (pattern: RegExp) => (e: unknown) =>
      e instanceof CharrnnError && e.kind === 'usage' && pattern.test(e.message);
    for (const bad of [
      [98, 97],
      [97, 97],
    ]) {
      assert.throws(
        () => new Vocab(bad),
        refused(/^a Vocab's code points must be sorted ascending and unique$/),
      );
    }
    for (const bad of [[-1], [1.5], [0x110000], ['a'], 'abc', null]) {
      assert.throws(
        () => new Vocab(bad as unknown as number[]),
        refused(/^a Vocab is a list of code points \(integers from 0 to 0x10FFFF\), got /),
      );
    }
    assert.equal(new Vocab([97, 98, 0x1f600]).toString(), 'ab😀');
    assert.equal(new Vocab([]).size, 0);
  });
});

describe('corpus encoding', () => {
  it('matches the same text decoded at once, whatever the chunk boundaries', () => {
    const text = 'Größe ☃ 😀 naïve\n日本語 ok';
    const bytes = utf8(text);
    const whole = encodeCorpus(bytes);
    for (let chunk = 1; chunk <= 5; chunk++) {
      const enc = new CorpusEncoder(bytes.length);
      for (let i = 0; i < bytes.length; i += chunk) enc.write(bytes.subarray(i, i + chunk));
      const c = enc.finish();
      assert.equal(c.vocab.toString(), whole.vocab.toString());
      assert.deepEqual(Array.from(c.ids), Array.from(whole.ids));
    }
    assert.equal(whole.vocab.decode(whole.ids), text);
  });

  const invalid: [string, number[], number][] = [
    ['a lone continuation byte', [0x61, 0x80, 0x62], 1],
    ['an overlong encoding of "/"', [0x61, 0x62, 0xc0, 0xaf], 2],
    ['a truncated 3-byte sequence', [0x61, 0xe2, 0x98], 1],
    ['a surrogate (U+D800)', [0x20, 0xed, 0xa0, 0x80], 1],
    ['a bad continuation', [0x41, 0x42, 0x43, 0xe2, 0x41, 0x80], 3],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a Latin-1 byte', [0x63, 0x61, 0x66, 0xe9], 3],
  ];
  for (const [what, bytes, offset] of invalid) {
    it(`rejects ${what}, naming byte offset ${offset}`, () => {
      for (const chunk of [bytes.length, 1]) {
        const enc = new CorpusEncoder(bytes.length);
        assert.throws(
          () => {
            for (let i = 0; i < bytes.length; i += chunk)
              enc.write(Uint8Array.from(bytes.slice(i, i + chunk)));
            enc.finish();
          },
          (e: unknown) =>
            e instanceof CharrnnError &&
            e.message.includes(`at byte offset ${offset}`) &&
            /not valid UTF-8/.test(e.message),
        );
      }
    });
  }

  it('names UTF-16 and UTF-32 when the text starts with a byte-order mark (little or big endian), only there', () => {
    const utf16 = /^the text is UTF-16 \(it starts with a UTF-16 byte-order mark\), not UTF-8$/;
    for (const bom of [
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]) {
      assert.throws(
        () => encodeCorpus(Uint8Array.from([...bom, 0x41, 0x00, 0x42, 0x00])),
        (e: unknown) => e instanceof CharrnnError && utf16.test(e.message),
      );
    }
    // UTF-32's marks (FF FE 00 00 starts with UTF-16 LE's) are UTF-32, with the conversion that fits it
    const utf32 = /^the text is UTF-32 \(it starts with a UTF-32 byte-order mark\), not UTF-8$/;
    for (const bom of [
      [0xff, 0xfe, 0, 0],
      [0, 0, 0xfe, 0xff],
    ]) {
      assert.throws(
        () => encodeCorpus(Uint8Array.from([...bom, 0x41, 0, 0, 0])),
        (e: unknown) =>
          e instanceof CharrnnError && utf32.test(e.message) && e.hint.includes('iconv -f UTF-32 -t UTF-8'),
        JSON.stringify(bom),
      );
    }
    for (const [bytes, offset] of [
      [[0x41, 0xff, 0xfe, 0x41], 1], // not at the start
      [[0x41, 0, 0xfe, 0xff], 2], // not after two NULs
      [[0, 0, 0xfe, 0xfe], 2], // not UTF-32's mark
      [[0xff, 0xff, 0x41], 0], // not a byte-order mark
    ] as const) {
      assert.throws(
        () => encodeCorpus(Uint8Array.from(bytes)),
        (e: unknown) =>
          e instanceof CharrnnError && e.message.endsWith(`an invalid byte at byte offset ${offset}`),
      );
    }
  });

  it('stores ids in the narrowest typed array: Uint8 up to 256 symbols, then Uint16, then Uint32', () => {
    const symbols = (n: number, from = 0x100) =>
      Array.from({ length: n }, (_, i) => String.fromCodePoint(from + i)).join('');
    assert.ok(corpusFromString(symbols(256)).ids instanceof Uint8Array);
    const c257 = corpusFromString(`${symbols(257)}x`);
    assert.ok(c257.ids instanceof Uint16Array);
    assert.equal(c257.ids[c257.ids.length - 1], 0); // 'x' sorts first
    assert.equal(c257.vocab.decode(c257.ids), `${symbols(257)}x`);
    const big = corpusFromString(symbols(65537, 0x10000));
    assert.ok(big.ids instanceof Uint32Array);
    assert.equal(big.vocab.size, 65537);
  });
});

describe('CorpusEncoder used as a library', () => {
  const refused = (pattern: RegExp) => (e: unknown) =>
    e instanceof CharrnnError && pattern.test(e.message) && !e.message.includes('\n');

  it('finishes once: another finish() or write() is refused instead of renumbering the corpus it gave', () => {
    const enc = new CorpusEncoder(3);
    enc.write(utf8('cba'));
    const corpus = enc.finish();
    assert.equal(corpus.vocab.decode(corpus.ids), 'cba');
    assert.throws(() => enc.finish(), refused(/already finished/));
    assert.throws(() => enc.write(utf8('ab')), refused(/already finished/));
    // the corpus it gave is untouched (a second finish() used to remap its ids in place: 'abc')
    assert.equal(corpus.vocab.decode(corpus.ids), 'cba');
  });

  it('holds as many characters as its capacity, however many bytes they take, and names one over it', () => {
    const enc = new CorpusEncoder(3); // 3 characters in 6 bytes: a capacity in characters, as documented
    enc.write(utf8('éé'));
    enc.write(utf8('é'));
    assert.equal(enc.finish().ids.length, 3);
    for (const chunks of [['abcd'], ['ab', 'cd'], ['é', 'éé', 'é']]) {
      const over = new CorpusEncoder(3);
      assert.throws(
        () => {
          for (const c of chunks) over.write(utf8(c));
        },
        refused(/more characters than the CorpusEncoder's capacity of 3/),
      );
    }
  });

  it('refuses a capacity that is not a whole number >= 0, naming it', () => {
    for (const capacity of [-1, Number.NaN, 1.5, Infinity]) {
      assert.throws(() => new CorpusEncoder(capacity), refused(/capacity must be a whole number/));
    }
    assert.equal(new CorpusEncoder(0).finish().ids.length, 0);
  });
});

describe('a text given the wrong way', () => {
  const refused = (pattern: RegExp) => (e: unknown) =>
    e instanceof CharrnnError && e.kind === 'usage' && pattern.test(e.message);
  const untyped = <T>(x: unknown) => x as T;

  it("encodeCorpus and CorpusEncoder.write want bytes: a string is named, not 'not valid UTF-8'", () => {
    assert.throws(
      () => encodeCorpus(untyped<Uint8Array>('hello')),
      refused(/^encodeCorpus takes the text's UTF-8 bytes \(a Uint8Array\), got 'hello'$/),
    );
    assert.throws(
      () => new CorpusEncoder(5).write(untyped<Uint8Array>('hello')),
      refused(/^CorpusEncoder.write takes the text's UTF-8 bytes \(a Uint8Array\), got 'hello'$/),
    );
    assert.equal(encodeCorpus(Buffer.from('hello')).ids.length, 5);
  });

  it('corpusFromString wants a string: a number or a buffer is not turned into its text', () => {
    for (const bad of [5, null, utf8('hello')]) {
      assert.throws(
        () => corpusFromString(untyped<string>(bad)),
        refused(/^corpusFromString takes a string, got /),
      );
    }
  });
});

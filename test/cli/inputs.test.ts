// Many inputs for `train` and `eval`, through the real CLI (node dist/cli/main.js; build first): a folder
// read recursively in sorted order with a file that is not UTF-8 skipped (one line, and the count), standard
// input, several files joined by U+001E (the vocabulary holds it exactly when there are 2+ documents), eval
// of several files, and --val-file (the validation loss is that of exactly the held-out text's windows);
// and in process, reading in small chunks: characters split between chunks, and the offset of a bad byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeStreams } from '../../src/data/streams.js';
import {
  CorpusEncoder,
  corpusFromString,
  encodeCorpus,
  MAX_TEXT_BYTES,
  remapCorpus,
} from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { initKernels } from '../../src/kernels/index.js';
import { readTexts } from '../../src/node/io.js';
import { evaluateStreams } from '../../src/training/evaluate.js';
import { Trainer } from '../../src/training/trainer.js';
import { type Run, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-inputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initKernels();
});

function charrnn(args: string[], input?: string): Run {
  return runCli(args, { cwd: dir, ...(input !== undefined && { input }) });
}

function ok(r: Run): Run {
  assert.equal(r.status, 0, r.stderr);
  return r;
}

function file(name: string, content: string | Uint8Array): string {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), content);
  return name;
}

const RS = '\u001e';
const A = 'the first text, in lower case, with some words in it.\n'.repeat(3);
const B = 'THE SECOND TEXT: UPPER CASE, AND OTHER WORDS!\n'.repeat(3);
const C = 'a third one (digits 0123456789) in a folder below.\n'.repeat(2);
// a small fast run: the reference backend in float64, so two runs agree to the last bit
const quick = [
  '--hidden',
  '8',
  '--seq-length',
  '10',
  '--iters',
  '2',
  '--seed',
  '1',
  '--backend',
  'ref',
  '--threads',
  '1',
];
const f64 = ['--dtype', 'f64', '--sample-every', '0'];

const dataLine = (r: Run) =>
  /^data has (\d+) characters, (\d+) unique\./.exec(r.stdout)?.slice(1).map(Number);
const vocabOf = (ckpt: string) => Trainer.fromCheckpoint(readFileSync(join(dir, ckpt))).vocab.toString();
const evalOf = (r: Run) => {
  const m = /^loss (\d+\.\d{4}) nats\/char, (\d+\.\d{4}) bits\/char over (\d+) characters of (.*)$/.exec(
    r.stdout.trim(),
  );
  assert.ok(m, r.stdout);
  return { loss: m[1], characters: Number(m[3]), of: m[4] };
};

describe('train FOLDER', () => {
  // code-unit order puts 'B.txt' before 'a.txt' (a locale's order would not); 'sub/' comes after both
  file('corpus/a.txt', A);
  file('corpus/B.txt', B);
  file('corpus/sub/c.txt', C);
  file('corpus/sub/latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
  file('corpus/.hidden.txt', 'not read: # % & *\n');

  it('reads its files recursively in sorted order, skips one that is not UTF-8 with a line and the count', () => {
    const r = ok(charrnn(['train', 'corpus', ...quick, ...f64, '--save', 'folder.ckpt']));
    assert.deepEqual(dataLine(r), [B.length + 1 + A.length + 1 + C.length, new Set(A + B + C + RS).size]);
    const lines = r.stderr.split('\n');
    assert.ok(
      lines.includes(
        "charrnn: skipped 'corpus/sub/latin1.txt': not valid UTF-8: an invalid byte at byte offset 3",
      ),
      r.stderr,
    );
    assert.ok(lines.includes('charrnn: skipped 1 file that is not valid UTF-8'), r.stderr);
    assert.ok(!vocabOf('folder.ckpt').includes('#'), 'a hidden file is not read');
    // the order: scoring the folder is scoring its files named in sorted order, and not in another order
    const folder = evalOf(ok(charrnn(['eval', 'folder.ckpt', 'corpus'])));
    const sorted = evalOf(
      ok(charrnn(['eval', 'folder.ckpt', 'corpus/B.txt', 'corpus/a.txt', 'corpus/sub/c.txt'])),
    );
    const other = evalOf(
      ok(charrnn(['eval', 'folder.ckpt', 'corpus/a.txt', 'corpus/B.txt', 'corpus/sub/c.txt'])),
    );
    assert.equal(folder.loss, sorted.loss);
    assert.equal(folder.characters, B.length + A.length + C.length + 1);
    assert.notEqual(folder.loss, other.loss);
  });

  it('UTF-16: with a byte-order mark it is refused in one line; without one it trains, with a warning', () => {
    const u16 = (bom: number[], text: string) =>
      Uint8Array.from([...bom, ...[...text].flatMap((c) => [c.charCodeAt(0), 0])]); // little endian
    file('u16-bom.txt', u16([0xff, 0xfe], A));
    const refused = charrnn(['train', 'u16-bom.txt', ...quick]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.equal(
      refused.stderr,
      'charrnn: u16-bom.txt: the text is UTF-16 (it starts with a UTF-16 byte-order mark), not UTF-8; convert the file to UTF-8 (for example with iconv -f UTF-16 -t UTF-8) and try again\n',
    );
    const nul =
      /^charrnn: the text contains NUL characters \(U\+0000\), as UTF-16 and binary files do; they count/m;
    file('u16-nobom.txt', u16([], A));
    const trained = ok(charrnn(['train', 'u16-nobom.txt', ...quick, ...f64]));
    assert.match(trained.stderr, nul);
    // the conversion it names is the file's byte order (iconv's plain UTF-16 assumes one): little endian
    // here, big endian with the bytes of each pair swapped; each converts back to the text
    const le = u16([], A);
    const be = le.map((_, i) => le[i ^ 1]);
    file('u16be-nobom.txt', be);
    const trainedBe = ok(charrnn(['train', 'u16be-nobom.txt', ...quick, ...f64]));
    for (const [name, r, order] of [
      ['u16-nobom.txt', trained, 'UTF-16LE'],
      ['u16be-nobom.txt', trainedBe, 'UTF-16BE'],
    ] as const) {
      const hint = /\(to convert UTF-16: (iconv -f (\S+) -t UTF-8)\)$/m.exec(r.stderr);
      assert.equal(hint?.[2], order, r.stderr);
      const iconv = spawnSync('sh', ['-c', `${hint[1]} ${name}`], { cwd: dir, encoding: 'utf8' });
      assert.equal(iconv.stdout, A, `${hint[1]} ${name}: ${iconv.stderr}`);
    }
    // in a folder, after a plain text: the line names the file with NULs (and how many more), and its order
    file('mixed16/a-plain.txt', A);
    file('mixed16/b-be.txt', be);
    file('mixed16/c-le.txt', le);
    const folder = ok(charrnn(['train', 'mixed16', ...quick, ...f64]));
    assert.match(
      folder.stderr,
      /^charrnn: 'mixed16\/b-be\.txt' \(and 1 other text\) contains NUL characters \(U\+0000\), as UTF-16 and binary files do; they count as characters \(to convert UTF-16: iconv -f UTF-16BE -t UTF-8\)$/m,
    );
    assert.deepEqual(dataLine(trained), [2 * A.length, new Set(A).size + 1]);
    assert.doesNotMatch(ok(charrnn(['train', file('plain.txt', A), ...quick, ...f64])).stderr, /NUL/);
  });

  it('Latin-1 and Windows-1252: refused in one line that gives the command that converts them, which works', () => {
    // "café" in Latin-1 (é is 0xE9, a lead byte with no continuation) and “quoted” in Windows-1252 (0x93
    // and 0x94, bytes that only continue a UTF-8 sequence)
    const latin1 = Buffer.concat([Buffer.from(A), Buffer.from('caf\xe9 na\xefve\n', 'latin1')]);
    const cp1252 = Buffer.concat([
      Buffer.from(A),
      Uint8Array.of(0x93),
      Buffer.from('quoted'),
      Uint8Array.of(0x94, 0x0a),
    ]);
    for (const [name, bytes, text] of [
      ['latin1.txt', latin1, `${A}café naïve\n`],
      ['cp1252.txt', cp1252, `${A}“quoted”\n`],
    ] as const) {
      file(name, bytes);
      const refused = charrnn(['train', name, ...quick]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.equal(
        refused.stderr,
        `charrnn: ${name}: the text is not valid UTF-8: an invalid byte at byte offset ${A.length + (name === 'latin1.txt' ? 3 : 0)}; ` +
          'convert the file to UTF-8 and try again (Latin-1 or Windows-1252 text: iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8)\n',
      );
      // the command as the hint gives it, FILE being the file
      const hint = /\((?:Latin-1 or Windows-1252 text: )(iconv [^>]+) > FILE\.utf8\)$/.exec(
        refused.stderr.trim(),
      );
      assert.ok(hint, refused.stderr);
      const iconv = spawnSync('sh', ['-c', `${hint[1].replace('FILE', name)} > ${name}.utf8`], { cwd: dir });
      assert.equal(iconv.status, 0, String(iconv.stderr));
      assert.equal(readFileSync(join(dir, `${name}.utf8`), 'utf8'), text);
      ok(charrnn(['train', `${name}.utf8`, ...quick, ...f64]));
    }
  });

  it('UTF-8 with bad bytes in it: the hint drops them, and does not convert it from Windows-1252 (garbling it)', () => {
    // "café" in UTF-8, then an encoded lone surrogate (ED A0 80) and a stray 0xFF: broken UTF-8, not Latin-1
    const broken = Buffer.concat([
      Buffer.from(`${A}café `),
      Uint8Array.of(0xed, 0xa0, 0x80),
      Buffer.from(' and '),
      Uint8Array.of(0xff),
      Buffer.from(' more\n'),
    ]);
    file('broken.txt', broken);
    const refused = charrnn(['train', 'broken.txt', ...quick]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.equal(
      refused.stderr,
      `charrnn: broken.txt: the text is not valid UTF-8: an invalid byte at byte offset ${Buffer.byteLength(`${A}café `)}; ` +
        'it is UTF-8 before that: remove the bad bytes and try again (iconv -f UTF-8 -t UTF-8 -c FILE > FILE.utf8 drops them)\n',
    );
    const hint = /\((iconv [^>]+) > FILE\.utf8 drops them\)$/.exec(refused.stderr.trim());
    assert.ok(hint, refused.stderr);
    const iconv = spawnSync('sh', ['-c', `${hint[1].replace('FILE', 'broken.txt')} > broken.txt.utf8`], {
      cwd: dir,
    });
    assert.equal(
      readFileSync(join(dir, 'broken.txt.utf8'), 'utf8'),
      `${A}café  and  more\n`,
      String(iconv.stderr),
    );
    ok(charrnn(['train', 'broken.txt.utf8', ...quick, ...f64]));
  });

  it("a symbolic link loop, or a path through a file, is one line in words (not Node's error code)", () => {
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    file('plain-file.txt', A);
    for (const [args, line] of [
      [
        ['train', 'loop-a'],
        "charrnn: the text file 'loop-a' cannot be read: its symbolic links form a loop; check the path",
      ],
      [
        ['train', 'plain-file.txt/x'],
        "charrnn: the text file 'plain-file.txt/x' cannot be read: a part of its path is not a folder; check the path",
      ],
      [
        ['sample', 'loop-b'],
        "charrnn: the checkpoint 'loop-b' cannot be read: its symbolic links form a loop; check the path",
      ],
    ] as const) {
      const r = charrnn([...args]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, `${line}\n`);
    }
  });

  it('a folder with no text files in it is one line', () => {
    mkdirSync(join(dir, 'empty-folder/inner'), { recursive: true });
    const r = charrnn(['train', 'empty-folder']);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      "charrnn: 'empty-folder' is a directory with no text files in it; give a folder with UTF-8 text files\n",
    );
  });
});

describe('train -', () => {
  it('reads the text from standard input', () => {
    const fromStdin = ok(charrnn(['train', '-', ...quick, ...f64, '--save', 'stdin.ckpt'], A));
    const fromFile = ok(charrnn(['train', file('a.txt', A), ...quick, ...f64, '--save', 'file.ckpt']));
    assert.deepEqual(dataLine(fromStdin), [A.length, new Set(A).size]);
    assert.equal(fromStdin.stdout, fromFile.stdout);
    assert.equal(vocabOf('stdin.ckpt'), vocabOf('file.ckpt'));
  });

  it("refuses '-' twice", () => {
    const r = charrnn(['train', '-', '--val-file', '-'], A);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^charrnn: '-' \(standard input\) is given twice; it can be read only once\n$/);
  });
});

describe('a text longer than one corpus can hold (4 GiB: its ids are one typed array)', () => {
  // sparse files starting with a byte that is not UTF-8: the size is refused before a byte is read (reading
  // would stop at that byte with another message)
  const sparse = (name: string, bytes: number) => {
    writeFileSync(join(dir, name), Uint8Array.of(0xff));
    truncateSync(join(dir, name), bytes);
    return name;
  };
  const HINT = 'train on a part (for example: head -c 1G FILE > part.txt)';

  it('one line, exit 1, for a file of 5 GiB and for a small and a large file together', () => {
    const big = sparse('big.txt', 5 * 2 ** 30);
    for (const [args, line] of [
      [[big], 'the text is 5.0 GiB'],
      [[file('a.txt', A), big], 'the texts are 5.0 GiB'],
    ] as const) {
      const r = charrnn(['train', ...args, ...quick]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, `charrnn: ${line}, more than the 4.0 GiB one corpus can hold; ${HINT}\n`);
    }
  });

  it('the limit is 2^32 bytes: one byte more is refused by readTexts and by the encoder', () => {
    assert.equal(MAX_TEXT_BYTES, 2 ** 32);
    const over = join(dir, sparse('over.txt', MAX_TEXT_BYTES + 1));
    assert.throws(
      () => readTexts([[{ name: over, path: over }]]),
      (e) => e instanceof CharrnnError && /^the text is 4\.0 GiB, more than the 4\.0 GiB/.test(e.message),
    );
    assert.throws(() => new CorpusEncoder(MAX_TEXT_BYTES + 1), CharrnnError);
  });
});

describe('several files', () => {
  it('are joined with U+001E between documents: the vocabulary holds it exactly when there are 2+', () => {
    const a = file('a.txt', A);
    const b = file('b.txt', B);
    const two = ok(charrnn(['train', a, b, ...quick, ...f64, '--save', 'two.ckpt']));
    assert.deepEqual(dataLine(two), [A.length + 1 + B.length, new Set(A + B).size + 1]);
    assert.ok(vocabOf('two.ckpt').includes(RS));
    ok(charrnn(['train', a, ...quick, ...f64, '--save', 'one.ckpt']));
    assert.ok(!vocabOf('one.ckpt').includes(RS));
    // the joined text is the two files with one separator between them, nothing else
    const joined = ok(
      charrnn(['train', file('joined.txt', A + RS + B), ...quick, ...f64, '--save', 'joined.ckpt']),
    );
    assert.equal(joined.stdout, two.stdout);
  });

  it('eval CKPT FILE1 FILE2 scores them joined as in training, over every character after the first', () => {
    const r = evalOf(ok(charrnn(['eval', 'two.ckpt', 'a.txt', 'b.txt'])));
    assert.equal(r.characters, A.length + 1 + B.length - 1);
    assert.equal(r.of, "'a.txt', 'b.txt' (2 documents)");
    assert.equal(r.loss, evalOf(ok(charrnn(['eval', 'two.ckpt', 'joined.txt']))).loss);
  });

  it('eval of several files with a model that never saw U+001E scores them back to back, and says so', () => {
    const r = ok(charrnn(['eval', 'one.ckpt', 'a.txt', 'a.txt']));
    assert.equal(evalOf(r).characters, 2 * A.length - 1);
    assert.match(r.stderr, /no document separator \(U\+001E\) in its vocabulary.*back to back/);
  });
});

describe('eval on texts the model does not know', () => {
  it('names each unseen symbol by its code point (a combining mark shows nothing alone), with what to do', () => {
    ok(charrnn(['train', file('known.txt', A), ...quick, ...f64, '--save', 'known.ckpt']));
    // "é" as e and a combining acute accent (decomposed, as NFD text has it), an emoji, a zero-width space
    const r = charrnn(['eval', 'known.ckpt', file('unseen.txt', `${A}cafe\u0301 \u{1f600}\u200b\n`)]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(
      r.stderr,
      "charrnn: the text has 3 symbols outside the model's vocabulary ('\u0301' (U+0301), U+200B (a zero-width space), " +
        "'\u{1f600}' (U+1F600)); the model gives no probability to a symbol it never saw: score a text " +
        'without them, or a model trained on them\n',
    );
    // the fewest characters that can be scored, two, score one
    assert.match(
      ok(charrnn(['eval', 'known.ckpt', file('two.txt', 'th')])).stdout,
      / over 1 character of 'two\.txt'\n$/,
    );
  });
});

describe('--val-file', () => {
  const V = 'the held-out text: words the first text has, in another order.\n';

  /** The last evaluation in a JSON log. */
  const lastValLoss = (log: string) =>
    readFileSync(join(dir, log), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.valLoss !== undefined)
      .at(-1);

  /** The checkpoint's weights over the streams (batch 2, seq 10) of V alone, cut here. */
  const heldOut = (ckpt: string) => {
    // the backend is how a run executes, not part of the checkpoint: the reference one again
    const t = Trainer.fromCheckpoint(readFileSync(join(dir, ckpt)), undefined, { backend: 'ref' });
    const s = makeStreams(remapCorpus(corpusFromString(V), t.vocab), 2, 10, 'streams', 'v');
    const run = evaluateStreams(t.model, s, new Int32Array(20), new Int32Array(20));
    let e = run.next();
    while (!e.done) e = run.next();
    t.close();
    return e.value;
  };

  it('holds out exactly that text: the validation loss is that of its windows, whatever --val-fraction says', async () => {
    const train = file('train.txt', A);
    const val = file('val.txt', V);
    const args = ['train', train, ...quick, ...f64, '--eval-every', '1', '--batch', '2'];
    const r = ok(
      charrnn([
        ...args,
        '--val-file',
        val,
        '--val-fraction',
        '0.5',
        '--log-file',
        'v.log',
        '--save',
        'v.ckpt',
      ]),
    );
    assert.match(r.stderr, /--val-fraction is ignored: --val-file gives the validation text/);
    assert.match(r.stderr, new RegExp(`validation: 'val\\.txt' \\(${V.length} characters\\)`));
    assert.deepEqual(dataLine(r), [A.length + V.length, new Set(A + V).size], 'no separator between the two');
    assert.equal(lastValLoss('v.log').iter, 2);
    assert.equal(lastValLoss('v.log').valLoss, heldOut('v.ckpt').valLoss);
    assert.equal(heldOut('v.ckpt').characters, Math.floor(Math.floor((V.length - 1) / 2) / 10) * 20);
    // resumed with --val-file: the same held-out text
    const args3 = ['--iters', '3', '--val-file', val, '--log-file', 'r.log', '--save', 'v3.ckpt', '--quiet'];
    ok(charrnn(['train', train, '--resume', 'v.ckpt', ...args3]));
    assert.equal(lastValLoss('r.log').iter, 3);
    assert.equal(lastValLoss('r.log').valLoss, heldOut('v3.ckpt').valLoss);
    // resumed with another held-out text: the checkpoint's best does not compare, and stderr says so
    const forgot =
      /the validation text is not the checkpoint's, so its best val loss \(\d\.\d{4} at iteration 2\) does not compare: the best starts over/;
    const again = ok(
      charrnn([
        'train',
        train,
        '--resume',
        'v.ckpt',
        '--iters',
        '3',
        '--val-file',
        val,
        '--save',
        'same.ckpt',
      ]),
    );
    assert.doesNotMatch(again.stderr, forgot);
    const other = file('other.txt', `${[...V.trimEnd()].reverse().join('')}\n`);
    const moved = ok(
      charrnn([
        'train',
        train,
        '--resume',
        'v.ckpt',
        '--iters',
        '3',
        '--val-file',
        other,
        '--save',
        'moved.ckpt',
      ]),
    );
    assert.match(moved.stderr, forgot);
    // and from standard input, the same
    const fromStdin = ok(charrnn([...args, '--val-file', '-', '--log-file', 'stdin.log'], V));
    assert.equal(fromStdin.stdout, r.stdout);
  });

  it('a file that is also a training text (by any path, or in a folder) is named in one line; so is a text read twice', () => {
    const train = file('tv/train.txt', A);
    const val = file('tv-val.txt', V);
    const run = (...files: string[]) => ok(charrnn(['train', ...files, ...quick, ...f64])).stderr;
    const lines = (stderr: string) =>
      stderr.split('\n').filter((l) => / text: the validation loss| is read /.test(l));
    const both = (names: string) =>
      `charrnn: ${names} is both a training text and a --val-file text: the validation loss then measures text ` +
      'the model trains on, not held-out text; give --val-file a text that is not among the training texts';
    assert.deepEqual(lines(run(train, '--val-file', train)), [both("'tv/train.txt'")]);
    // the folder holds it; the validation text names it by another path
    assert.deepEqual(lines(run('tv', '--val-file', val, `./${train}`)), [
      both("'tv/train.txt' (also './tv/train.txt')"),
    ]);
    assert.deepEqual(lines(run('tv', train, '--val-file', val)), [
      "charrnn: 'tv/train.txt' is read twice in the texts, so it counts double; give it once if that is not meant",
    ]);
    // held-out text that is not a training text: no line
    assert.deepEqual(lines(run(train, '--val-file', val)), []);
  });
});

describe('readTexts, in process: chunk boundaries inside characters, and the offset of a bad byte', () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const texts = ['Größe ☃ 😀 naïve\n', '日本語 ok 😀😀', 'plain ascii', 'é'];
  const paths = texts.map((t, i) => file(`chunks/${i}.txt`, t));

  it('reads files and bytes in chunks of 1 to 7 bytes exactly as one joined string', () => {
    const want = corpusFromString(texts.slice(0, 2).join(RS));
    const wantVal = corpusFromString(texts.slice(2).join(RS));
    for (let chunkBytes = 1; chunkBytes <= 7; chunkBytes++) {
      const read = readTexts(
        [
          [
            { name: 'a', path: join(dir, paths[0]) },
            { name: 'stdin', bytes: utf8(texts[1]) },
          ],
          [
            { name: 'c', path: join(dir, paths[2]) },
            { name: 'd', path: join(dir, paths[3]) },
          ],
        ],
        { chunkBytes },
      );
      const { ids, vocab } = read.corpus;
      assert.equal(read.starts[1], want.ids.length, `chunks of ${chunkBytes}: where the second part starts`);
      assert.equal(vocab.decode(ids, 0, read.starts[1]), want.vocab.decode(want.ids));
      assert.equal(vocab.decode(ids, read.starts[1]), wantVal.vocab.decode(wantVal.ids));
      assert.deepEqual(read.documents, [2, 2]);
    }
  });

  it('names the same byte offset as the encoder for bad UTF-8 anywhere, at any chunk size', () => {
    const bad: [string, number[]][] = [
      ['a truncated sequence at the end', [0x61, 0x62, 0xe2, 0x98]],
      ['a lead byte without continuation', [0x61, 0xc3, 0x61, 0x62]],
      ['an overlong', [0x61, 0x62, 0x63, 0xe0, 0x80, 0x80]],
      ['a surrogate', [0x61, 0xed, 0xa0, 0x80, 0x61]],
      ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
      ['a stray continuation byte', [0xe2, 0x98, 0x83, 0x80, 0x61]],
    ];
    for (const [what, bytes] of bad) {
      const path = join(dir, file('chunks/bad.bin', Uint8Array.from(bytes)));
      let want = '';
      try {
        encodeCorpus(Uint8Array.from(bytes));
      } catch (e) {
        want = (e as Error).message;
      }
      assert.ok(want, what);
      for (let chunkBytes = 1; chunkBytes <= 5; chunkBytes++) {
        assert.throws(
          () =>
            readTexts(
              [
                [
                  { name: 'x', path: join(dir, paths[0]) },
                  { name: 'bad.bin', path },
                ],
              ],
              { chunkBytes },
            ),
          (e: unknown) => e instanceof CharrnnError && e.message === `${path}: ${want}`,
          `${what}, chunks of ${chunkBytes}`,
        );
      }
    }
  });
});

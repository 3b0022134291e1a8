// charrnn/node's readCorpus reads a file as it was when opened: a file still being written (a log, a
// download) grows while it is read, and the corpus is the bytes it had then, not an error about the
// encoder's capacity (which was sized from the file's size at the open).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readBytes, readCorpus, readText, readTexts } from '../../src/node/io.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-read-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readCorpus', () => {
  it('a file that grows while it is read gives the text it had when opened', async () => {
    const path = join(dir, 'growing.txt');
    writeFileSync(path, 'abcdefgh\n'.repeat(4_000_000)); // 36 MB: reading it takes long enough
    // a shell appending to it as fast as it can, from before the read until after it
    const writer = spawn('sh', ['-c', `while :; do printf 'more text\\n' >> '${path}'; done`], {
      stdio: 'ignore',
    });
    try {
      const before = statSync(path).size;
      for (let waited = 0; statSync(path).size === before && waited < 5000; waited += 10) await sleep(10);
      const opened = statSync(path).size;
      assert.ok(opened > before, 'the writer appends');
      const corpus = readCorpus(path);
      assert.ok(statSync(path).size > opened, 'the file grew during the read');
      // it has the size it had at some moment at the open, between the two sizes seen around it
      assert.ok(
        corpus.ids.length >= opened && corpus.ids.length < statSync(path).size,
        `${corpus.ids.length} characters, the file ${opened} bytes before the read`,
      );
      assert.equal(corpus.vocab.size, 15); // "abcdefgh\n", then "mor tx" of "more text\n"
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

describe('a kernel file, which says it is empty but gives text when read', () => {
  const path = '/proc/version'; // Linux: one line of text, its size 0 to stat
  const skip =
    existsSync(path) && statSync(path).size === 0 ? false : 'needs /proc/version of size 0 (Linux)';
  it('is read whole by every reader, as a pipe is', { skip }, () => {
    const text = readFileSync(path, 'utf8');
    assert.ok(text.length > 10, 'the kernel file has text');
    assert.equal(readCorpus(path).vocab.decode(readCorpus(path).ids), text);
    const read = readTexts([[{ name: path, path }]]);
    assert.equal(read.corpus.vocab.decode(read.corpus.ids), text);
    assert.equal(Buffer.from(readBytes(path)).toString('utf8'), text);
    assert.equal(readText(path), text);
  });
  it('and an empty file is still refused as empty', () => {
    const path = join(dir, 'empty.txt');
    writeFileSync(path, '');
    assert.throws(() => readCorpus(path), /is empty/);
    assert.throws(() => readTexts([[{ name: path, path }]]), /is empty/);
    assert.throws(() => readText(path), /is empty/);
  });
});

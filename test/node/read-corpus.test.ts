// charrnn/node's readCorpus reads a file as it was when opened: a file still being written (a log, a
// download) grows while it is read, and the corpus is the bytes it had then, not an error about the
// encoder's capacity (which was sized from the file's size at the open).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCorpus } from '../../src/node/io.js';

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

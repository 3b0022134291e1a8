// Saving checkpoints in Node: atomic writes (the bytes land whole or not at all, no temporary file is left
// behind, the previous file survives a failed write), the save path checked before a run, and a failed save
// rescued to a file the message names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CharrnnError } from '../../src/errors.js';
import { prepareSavePath, saveOrRescue, writeFileAtomic } from '../../src/node/io.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** One line, a CharrnnError, matching `pattern`. */
function oneLine(pattern: RegExp) {
  return (e: unknown) => e instanceof CharrnnError && pattern.test(e.line) && !e.line.includes('\n');
}

describe('writeFileAtomic', () => {
  it('writes the bytes, replaces an older file, and leaves nothing else in the folder', () => {
    const folder = join(dir, 'a');
    mkdirSync(folder);
    const path = join(folder, 'x.ckpt');
    writeFileAtomic(path, bytes(100_000, 1));
    writeFileAtomic(path, bytes(7, 2));
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes(7, 2));
    assert.deepEqual(readdirSync(folder), ['x.ckpt']);
  });

  it('when the final rename fails, the error names the path, and no temporary file is left', () => {
    const folder = join(dir, 'b');
    const path = join(folder, 'x.ckpt');
    mkdirSync(join(path, 'inside'), { recursive: true }); // a non-empty folder where the file should go
    assert.throws(
      () => writeFileAtomic(path, bytes(10, 3)),
      oneLine(/^cannot write the checkpoint '.*b\/x\.ckpt': /),
    );
    assert.deepEqual(readdirSync(folder), ['x.ckpt']);
    assert.deepEqual(readdirSync(path), ['inside'], 'what was there is untouched');
  });

  it('refuses a path that is a pipe (or a device, a socket) rather than replace it with a file', () => {
    const fifo = join(dir, 'pipe');
    const made = spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
    assert.throws(
      () => writeFileAtomic(fifo, bytes(10, 3), 'the onnx export'),
      oneLine(/^cannot write the onnx export '.*pipe': it is a pipe \(FIFO\), not a file/),
    );
    assert.ok(lstatSync(fifo).isFIFO(), 'the pipe is still a pipe');
    assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'no temporary file');
    // and train --save says so before the run
    assert.throws(
      () => prepareSavePath(fifo),
      (e: unknown) =>
        e instanceof CharrnnError &&
        e.kind === 'usage' &&
        /^cannot save to '.*pipe': it is a pipe \(FIFO\), not a file/.test(e.line),
    );
  });

  it('when the folder is missing, says so', () => {
    assert.throws(
      () => writeFileAtomic(join(dir, 'nowhere', 'x.ckpt'), bytes(3, 1)),
      oneLine(
        /cannot write the checkpoint '.*nowhere\/x\.ckpt': its folder does not exist; the previous file/,
      ),
    );
  });
});

describe('prepareSavePath', () => {
  it('creates missing folders, and refuses a folder or a path below a file before anything runs', () => {
    const path = join(dir, 'c', 'd', 'x.ckpt');
    prepareSavePath(path);
    assert.deepEqual(readdirSync(join(dir, 'c', 'd')), [], 'the probe file is removed');
    mkdirSync(join(dir, 'e.ckpt'));
    assert.throws(
      () => prepareSavePath(join(dir, 'e.ckpt')),
      oneLine(/cannot save to '.*e\.ckpt': it is a folder/),
    );
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(
      () => prepareSavePath(join(dir, 'file', 'x.ckpt')),
      oneLine(/its folder cannot be created/),
    );
  });
});

describe('saveOrRescue', () => {
  it('writes where asked when it can', () => {
    const path = join(dir, 'ok.ckpt');
    saveOrRescue(path, bytes(5, 4));
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes(5, 4));
  });

  it('when the save fails, writes the state to a rescue file and names both paths; the old file stays', () => {
    const folder = join(dir, 'f');
    mkdirSync(folder);
    const path = join(folder, 'run.ckpt');
    writeFileAtomic(path, bytes(9, 5));
    const work = join(dir, 'work');
    mkdirSync(work);
    const cwd = process.cwd();
    process.chdir(work);
    try {
      rmSync(folder, { recursive: true });
      writeFileSync(folder, 'a file where the folder was');
      let line = '';
      assert.throws(
        () => saveOrRescue(path, bytes(11, 6)),
        (e: unknown) => {
          line = (e as CharrnnError).line;
          return oneLine(
            /cannot write the checkpoint '.*f\/run\.ckpt': .*; the training state is saved in '.*' instead; resume from it with --resume /,
          )(e);
        },
      );
      const rescue = /saved in '([^']+)'/.exec(line)![1];
      assert.ok(rescue.startsWith(work), `the rescue file ${rescue} is in the working folder`);
      assert.deepEqual(new Uint8Array(readFileSync(rescue)), bytes(11, 6));
    } finally {
      process.chdir(cwd);
    }
  });
});

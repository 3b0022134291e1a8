// One run at a time saves to a checkpoint: the real CLI holds `<save>.lock` (a symbolic link to its process
// id) while it runs, so the same command typed in a second terminal is refused in one line instead of the two
// runs replacing each other's saves; through another spelling of the path or a linked folder too. A lock
// left by a killed run is taken over, and a run leaves none behind. A JSON log (`--log-file`) is held alike,
// so that two runs' lines are never mixed in one file.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { CLI, type Run, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MODEL = ['--model', 'gru', '--hidden', '16', '--layers', '1', '--sample-every', '0', '--seed', '3'];

function charrnn(...args: string[]): Run {
  return runCli(args, { cwd: dir, timeout: 60_000 });
}

/**
 * A run until stopped, saving to `save` every iteration (with `more` options), once the lock of `locked`
 * (the checkpoint by default) and its first save are there.
 */
async function running(save: string, more: string[] = [], locked = save): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'train', ...MODEL, '--save', save, '--save-every', '1', '--quiet', ...more],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  );
  const lock = join(dir, `${locked}.lock`);
  for (let waited = 0; !isLink(lock) || !existsSync(join(dir, save)); waited += 20) {
    if (waited > 20_000 || child.exitCode !== null) {
      child.kill('SIGKILL');
      assert.fail('the run did not start, save and take its lock within 20 s');
    }
    await sleep(20);
  }
  assert.equal(readlinkSync(lock), String(child.pid), "the lock names the run's process");
  return child;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

describe('a second run saving to the checkpoint of a run still going', () => {
  it('is refused in one line (exit 2), by any spelling of the path, and the first run saves as before', async () => {
    mkdirSync(join(dir, 'runs'));
    symlinkSync('runs', join(dir, 'alias'));
    const first = await running('runs/m.ckpt');
    try {
      for (const save of ['runs/m.ckpt', './runs/../runs/m.ckpt', 'alias/m.ckpt']) {
        const r = charrnn('train', ...MODEL, '--iters', '5', '--save', save);
        assert.equal(r.status, 2, r.stderr);
        assert.equal(
          r.stderr,
          `charrnn: another charrnn run (process ${first.pid}) is saving to '${save}'; wait for it to end, or ` +
            `give --save another path (if no such run is going on, remove '${join(dir, 'runs/m.ckpt.lock')}')\n`,
        );
      }
      // a resume of it saves back to it: refused alike
      const resumed = charrnn('train', '--resume', 'runs/m.ckpt', '--iters', '5');
      assert.equal(resumed.status, 2, resumed.stderr);
      assert.match(resumed.stderr, /another charrnn run \(process \d+\) is saving to 'runs\/m\.ckpt'/);
    } finally {
      assert.equal(await interrupt(first), 130);
    }
    // the first run saved where it stopped, and released its lock
    const saved = readCheckpoint(new Uint8Array(readFileSync(join(dir, 'runs/m.ckpt'))), 'm.ckpt');
    assert.ok(saved.progress.iter > 0);
    assert.ok(!isLink(join(dir, 'runs/m.ckpt.lock')), 'the lock is gone');
    // and now a second run may go on from it
    const after = charrnn(
      'train',
      '--resume',
      'runs/m.ckpt',
      '--iters',
      String(saved.progress.iter + 2),
      '--quiet',
    );
    assert.equal(after.status, 0, after.stderr);
    assert.ok(!isLink(join(dir, 'runs/m.ckpt.lock')), 'no lock left behind');
  });

  it("a killed run's lock is taken over, as is a lock that is not a link", async () => {
    const killed = await running('k.ckpt');
    const exited = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await exited;
    assert.ok(isLink(join(dir, 'k.ckpt.lock')), 'a killed run leaves its lock');
    const r = charrnn('train', ...MODEL, '--iters', '3', '--save', 'k.ckpt');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      readCheckpoint(new Uint8Array(readFileSync(join(dir, 'k.ckpt'))), 'k.ckpt').progress.iter,
      3,
    );
    assert.ok(!existsSync(join(dir, 'k.ckpt.lock')) && !isLink(join(dir, 'k.ckpt.lock')));
    // a file of that name (not a lock charrnn makes): the run goes on over it
    spawnSync('sh', ['-c', 'echo 1 > k.ckpt.lock'], { cwd: dir });
    const again = charrnn('train', ...MODEL, '--iters', '3', '--save', 'k.ckpt');
    assert.equal(again.status, 0, again.stderr);
    assert.ok(!existsSync(join(dir, 'k.ckpt.lock')));
  });

  it("a second run logging to a running run's --log-file is refused, and the log holds the first run's lines", async () => {
    const first = await running('l1.ckpt', ['--log-file', 'runs.jsonl', '--log-every', '1'], 'runs.jsonl');
    try {
      const r = charrnn('train', ...MODEL, '--iters', '5', '--save', 'l2.ckpt', '--log-file', './runs.jsonl');
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `charrnn: another charrnn run (process ${first.pid}) is logging to './runs.jsonl'; wait for it to end, ` +
          `or give --log-file another path (if no such run is going on, remove '${join(dir, 'runs.jsonl.lock')}')\n`,
      );
      assert.ok(!existsSync(join(dir, 'l2.ckpt')), 'the refused run trained nothing');
    } finally {
      assert.equal(await interrupt(first), 130);
    }
    const iters = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((o) => o.loss !== undefined && o.valLoss === undefined)
        .map((o) => o.iter);
    const logged = iters(readFileSync(join(dir, 'runs.jsonl'), 'utf8'));
    assert.ok(logged.length > 0);
    assert.deepEqual(
      logged,
      logged.map((_, i) => i),
      "one run's iterations, 0, 1, 2, ... and none other",
    );
    assert.ok(!isLink(join(dir, 'runs.jsonl.lock')), 'the lock is gone');
    // once the first run has ended, another appends to the same log
    const after = charrnn('train', ...MODEL, '--iters', '2', '--log-file', 'runs.jsonl', '--log-every', '1');
    assert.equal(after.status, 0, after.stderr);
    assert.deepEqual(iters(readFileSync(join(dir, 'runs.jsonl'), 'utf8')), [...logged, 0, 1]);
    assert.ok(!isLink(join(dir, 'runs.jsonl.lock')), 'no lock left behind');
  });
});

// Kill-safe checkpoints: a real `charrnn train --save-every 1` is killed with SIGKILL at 20 moments drawn from
// a seeded RNG (half of them at the first temporary file after the drawn moment, so that they land during a
// save), and interrupted with SIGINT at 6 more (evaluating every 5 iterations). Every time, the checkpoint
// on disk loads and resumes (exit 0). A save killed before its rename leaves its temporary file
// (x.ckpt.<pid>.tmp) beside the checkpoint, never read; the next run that saves there removes it, and saves
// as before. SIGINT: exit 130, one summary line, a checkpoint of the iteration it names; standard output
// closed: the same, with exit 141. The kill points and what each found are printed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { prepareSavePath } from '../../src/node/io.js';
import { MT19937 } from '../../src/rng.js';
import { CLI, type Run, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CKPT = join(dir, 'x.ckpt');
const TEXT = join(dir, 'text.txt');
/** A model whose checkpoint (3.4 MB with Adam's two arrays) takes a while to write, and one step little. */
const MODEL = [
  ...['--model', 'lstm', '--layers', '1', '--hidden', '256', '--embedding', '0', '--batch', '1'],
  ...['--seq-length', '16', '--val-fraction', '0', '--sample-every', '0', '--seed', '7'],
];
const rng = new MT19937(20261201);

before(() => {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'far', 'away', 'home'];
  let text = '';
  for (let i = 0; i < 8000; i++)
    text += words[Math.floor(rng.random() * words.length)] + (i % 11 === 10 ? '.\n' : ' ');
  writeFileSync(TEXT, text);
  const r = charrnn('train', TEXT, ...MODEL, '--save', CKPT, '--save-every', '1', '--iters', '2', '--quiet');
  assert.equal(r.status, 0, r.stderr);
});

function charrnn(...args: string[]): Run {
  return runCli(args, { cwd: dir, timeout: 60_000 });
}

const temporaries = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** Loads the checkpoint on disk (it must), and resumes it for 2 iterations (exit 0): returns its iteration. */
function loadsAndResumes(): number {
  const ck = readCheckpoint(new Uint8Array(readFileSync(CKPT)), 'x.ckpt');
  const iter = ck.progress.iter;
  const r = charrnn('train', TEXT, '--resume', CKPT, '--iters', String(iter + 2), '--quiet');
  assert.equal(r.status, 0, `resuming at iteration ${iter}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.equal(readCheckpoint(new Uint8Array(readFileSync(CKPT)), 'x.ckpt').progress.iter, iter + 2);
  assert.deepEqual(temporaries(), [], 'the resumed run removed the temporary file a killed save left');
  return iter;
}

/** Starts a resumed run that trains until stopped, saving every iteration; resolves when training starts. */
async function start(
  extra: string[],
): Promise<{ child: ChildProcess; spawned: number; stderr: () => string }> {
  const spawned = performance.now();
  const child = spawn(
    process.execPath,
    [CLI, 'train', TEXT, '--resume', CKPT, '--iters', '0', '--save-every', '1', ...extra],
    { cwd: dir },
  );
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve()); // 'data has ...': the signal handlers are in place
    child.once('close', () => reject(new Error(`the run ended before it started: ${err}`)));
  });
  return { child, spawned, stderr: () => err };
}

const closed = (child: ChildProcess) =>
  new Promise<{ status: number | null; signal: string | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ status: child.exitCode, signal: child.signalCode });
    } else child.once('close', (status, signal) => resolve({ status, signal }));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill-safe checkpoints', { timeout: 120_000 }, () => {
  it('SIGKILL at 20 moments, during saves and between them: the checkpoint loads and resumes every time', async (t) => {
    const rows: string[] = [];
    let duringSaves = 0;
    for (let k = 0; k < 20; k++) {
      const delay = Math.round(rng.random() * 600);
      const atSave = k % 2 === 1;
      const { child, spawned } = await start(['--quiet']);
      const tmp = `${CKPT}.${child.pid}.tmp`;
      await sleep(delay);
      if (atSave) {
        // the first moment a temporary file is there: the save is under way
        const deadline = performance.now() + 10_000;
        while (!existsSync(tmp) && performance.now() < deadline) await new Promise((r) => setImmediate(r));
      }
      const at = performance.now() - spawned;
      child.kill('SIGKILL');
      const end = await closed(child);
      assert.equal(end.signal, 'SIGKILL');
      const duringSave = existsSync(tmp);
      if (duringSave) duringSaves++;
      const left = temporaries();
      assert.deepEqual(left, duringSave ? [`x.ckpt.${child.pid}.tmp`] : [], 'only the killed save is left');
      const iter = loadsAndResumes();
      rows.push(
        `kill ${String(k + 1).padStart(2)}: ${at.toFixed(0).padStart(5)} ms after spawn (${delay} ms after training began${atSave ? ', then at the first temporary file' : ''}); ` +
          `${duringSave ? 'DURING a save (temporary file left)' : 'between saves'}; checkpoint at iteration ${iter} loads and resumes`,
      );
    }
    t.diagnostic(`${duringSaves} of 20 kills landed during a save`);
    console.log(`SIGKILL: ${duringSaves} of 20 kills landed during a save\n${rows.join('\n')}`);
    assert.ok(duringSaves >= 5, `only ${duringSaves} kills landed during a save`);
  });

  it('SIGINT at 6 moments: exit 130, one summary line, and a checkpoint of that iteration that resumes', async (t) => {
    const rows: string[] = [];
    for (let k = 0; k < 6; k++) {
      const delay = Math.round(rng.random() * 600);
      // with an evaluation every 5 iterations (a stop abandons one under way, and saves the training state)
      const { child, spawned, stderr } = await start(['--val-fraction', '0.01', '--eval-every', '5']);
      await sleep(delay);
      const at = performance.now() - spawned;
      child.kill('SIGINT');
      const end = await closed(child);
      assert.equal(end.status, 130, stderr());
      const lines = stderr().trimEnd().split('\n');
      assert.ok(
        lines.every((l) => l.startsWith('charrnn: ')),
        `every line is charrnn's:\n${stderr()}`,
      );
      const summaries = lines.filter((l) => / at iteration \d+ \(/.test(l));
      assert.equal(summaries.length, 1, stderr());
      const m =
        /^charrnn: interrupted at iteration (\d+) .*; saved '[^']*x\.ckpt'(, best '[^']*x\.best\.ckpt')?$/.exec(
          summaries[0],
        );
      assert.ok(m, summaries[0]);
      assert.deepEqual(temporaries(), []);
      const iter = loadsAndResumes();
      assert.equal(iter, Number(m[1]), 'the checkpoint is of the iteration the summary names');
      rows.push(
        `SIGINT ${k + 1}: ${at.toFixed(0)} ms after spawn (${delay} ms after training began); exit 130, '${summaries[0].slice(9, 60)}...'; checkpoint at iteration ${iter} loads and resumes`,
      );
    }
    t.diagnostic('6 interruptions, each saved and resumed');
    console.log(rows.join('\n'));
  });

  it('SIGTERM (a kill) and SIGHUP (the terminal closed) stop it as Ctrl-C does, saving: exit 130 and 129', async () => {
    for (const [signal, status] of [
      ['SIGTERM', 130],
      ['SIGHUP', 129],
    ] as const) {
      const { child, stderr } = await start([]);
      await sleep(200);
      child.kill(signal);
      const end = await closed(child);
      assert.deepEqual(end, { status, signal: null }, `${signal}: ${stderr()}`);
      const m =
        /\ncharrnn: interrupted at iteration (\d+) .*; saved '[^']*x\.ckpt'(, best '[^']*x\.best\.ckpt')?\n$/.exec(
          stderr(),
        );
      assert.ok(m, `${signal}: ${stderr()}`);
      assert.deepEqual(temporaries(), []);
      assert.equal(loadsAndResumes(), Number(m[1]), `${signal}: the checkpoint is of the iteration named`);
    }
  });

  it('standard output closed (piped into head): the run stops as on Ctrl-C, saving, with exit 141', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'train', TEXT, '--resume', CKPT, '--iters', '0', '--log-every', '1'],
      {
        cwd: dir,
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the first line
    const end = await closed(child);
    assert.equal(end.status, 141, stderr);
    const lines = stderr.trimEnd().split('\n');
    const m =
      /^charrnn: interrupted at iteration (\d+) .*; saved '[^']*x\.ckpt'(, best '[^']*x\.best\.ckpt')?$/.exec(
        lines[lines.length - 1],
      );
    assert.ok(m, stderr);
    assert.doesNotMatch(stderr, /EPIPE|\bat .*\.(js|ts):\d+/);
    assert.equal(loadsAndResumes(), Number(m[1]));
  });
});

describe('the temporary files of killed saves', () => {
  it("are removed when a run saves there again, but never a running process's, nor another file's", () => {
    const folder = mkdtempSync(join(dir, 'stale-'));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has ended
    const names = [
      `run.ckpt.${gone}.tmp`, // a killed save of this checkpoint
      `run.best.ckpt.${gone}.tmp`, // of its best checkpoint
      `.charrnn-write-test.${gone}.tmp`, // the probe of a run killed as it started
      `run.ckpt.${process.pid}.tmp`, // a process that runs: it may be writing it now
      `other.ckpt.${gone}.tmp`, // another checkpoint's: not this run's business
      `run.ckpt.tmp`,
    ];
    for (const name of names) writeFileSync(join(folder, name), 'partial');
    prepareSavePath(join(folder, 'run.ckpt'));
    assert.deepEqual(readdirSync(folder).sort(), names.slice(3).sort());
  });
});

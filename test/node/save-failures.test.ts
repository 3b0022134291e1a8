// A failed save never loses the run: the real CLI, on a file system that is full (a small tmpfs), in a folder
// it may not write (root without the capability to override file permissions: setpriv), and in a folder
// removed while it trains. The policy is one: a save that
// fails, periodic or final, stops the run with exit 1 and one line naming the path and the reason, with the
// training state written to a rescue file in the working folder (else the system's temporary folder) that
// the line names; the previous checkpoint is untouched, byte for byte, and the rescue file resumes. A path
// that cannot be written when the run starts is refused before any training (exit 2). Needs root (mount,
// setpriv); skipped, saying why, without it.
import assert from 'node:assert/strict';
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { CLI } from '../helpers/cli.js';

/** Runs a command as root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: file permissions then bind it
 * as they bind its owner (a folder of mode 0555 cannot be written), while the clone stays readable wherever it is. */
const UNPRIVILEGED = ['--bounding-set=-dac_override,-dac_read_search', '--'];
const dir = mkdtempSync(join(tmpdir(), 'charrnn-savefail-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TEXT = join(dir, 'text.txt');
const MODEL = ['--hidden', '64', '--seq-length', '16', '--sample-every', '0', '--seed', '3', '--quiet'];

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root: it mounts a tmpfs and drops capabilities with setpriv';

/** Spawn options, and whether the CLI runs without permission overrides (UNPRIVILEGED). */
type RunOptions = SpawnOptions & { unprivileged?: boolean };

/** The command line of the CLI with `args`. */
function command(args: string[], o: RunOptions): [string, string[]] {
  const cli = [CLI, ...args];
  return o.unprivileged ? ['setpriv', [...UNPRIVILEGED, process.execPath, ...cli]] : [process.execPath, cli];
}

interface Run {
  status: number | null;
  stderr: string;
}

function charrnn(args: string[], options: RunOptions = {}): Run {
  const r = spawnSync(...command(args, options), {
    encoding: 'utf8',
    cwd: dir,
    timeout: 60_000,
    ...options,
  });
  return { status: r.status, stderr: r.stderr as string };
}

/**
 * Runs the CLI and, once training has started, holds it (SIGSTOP) while `meanwhile` breaks something, then
 * lets it go on to its end.
 */
async function breakWhileRunning(args: string[], options: RunOptions, meanwhile: () => void): Promise<Run> {
  const child = spawn(...command(args, options), { cwd: dir, ...options });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGSTOP');
    meanwhile();
    child.kill('SIGCONT');
    return { status: await closed, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The one line of a failed save: it names the path and the reason, and the rescue file, which it returns. */
function assertRescued(r: Run, path: string, why: RegExp): string {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\bat .*\.(js|ts):\d+/, 'a stack trace leaked');
  const m = new RegExp(
    `^charrnn: cannot write the checkpoint '${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': (.*); ` +
      `the training state is saved in '([^']+)' instead; resume from it with --resume (.+)$`,
  ).exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.match(m[1], why);
  assert.equal(m[3], m[2]);
  return m[2];
}

/** The rescue file holds iteration `iter`, and a run resumes from it (exit 0). */
function assertResumes(rescue: string, iter: number, options: RunOptions = {}): void {
  const ck = readCheckpoint(new Uint8Array(readFileSync(rescue)), rescue);
  assert.equal(ck.progress.iter, iter);
  const to = join((options.cwd as string | undefined) ?? dir, `resumed-${iter}.ckpt`);
  const r = charrnn(
    ['train', TEXT, '--resume', rescue, '--save', to, '--iters', String(iter + 2), '--quiet'],
    options,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readCheckpoint(new Uint8Array(readFileSync(to)), to).progress.iter, iter + 2);
  rmSync(rescue);
  rmSync(to, { force: true });
}

const temporaries = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

before(() => {
  let text = '';
  for (let i = 0; i < 3000; i++)
    text += `${['the cat', 'a dog', 'sat on', 'the mat', 'ran far'][(i * 7) % 5]}${i % 9 ? ' ' : '.\n'}`;
  writeFileSync(TEXT, text);
});

describe('a save that fails never loses the run', { skip, timeout: 120_000 }, () => {
  it('no space left: the periodic save and the final save fail, the previous checkpoint stays, the rescue resumes', async (t) => {
    // a checkpoint's size, then a tmpfs that holds one but not two (the temporary file beside the previous)
    const sized = join(dir, 'sized.ckpt');
    assert.equal(charrnn(['train', TEXT, ...MODEL, '--iters', '3', '--save', sized]).status, 0);
    const size = readFileSync(sized).length;
    const full = join(dir, 'full');
    mkdirSync(full);
    const mount = spawnSync(
      'mount',
      ['-t', 'tmpfs', '-o', `size=${Math.ceil((size * 1.5) / 4096) * 4096}`, 'tmpfs', full],
      {
        encoding: 'utf8',
      },
    );
    if (mount.status !== 0) {
      t.skip(`cannot mount a tmpfs here: ${mount.stderr.trim()}`);
      return;
    }
    try {
      const path = 'full/x.ckpt';
      assert.equal(charrnn(['train', TEXT, ...MODEL, '--iters', '3', '--save', path]).status, 0, 'one fits');
      const before = readFileSync(join(dir, path));
      // the periodic save at iteration 5
      let r = charrnn(['train', TEXT, '--resume', path, '--iters', '1000', '--save-every', '5', '--quiet']);
      let rescue = assertRescued(r, path, /^no space left on the device$/);
      assert.ok(rescue.startsWith(dir), `the rescue file ${rescue} is in the working folder`);
      assert.deepEqual(readFileSync(join(dir, path)), before, 'the previous checkpoint is untouched');
      assert.deepEqual(temporaries(full), [], 'the temporary file is removed');
      assertResumes(rescue, 5);
      // the final save, at iteration 6
      r = charrnn(['train', TEXT, '--resume', path, '--iters', '6', '--quiet']);
      rescue = assertRescued(r, path, /^no space left on the device$/);
      assert.deepEqual(readFileSync(join(dir, path)), before);
      assert.deepEqual(temporaries(full), []);
      assertResumes(rescue, 6);
      // standard output into a file there: it fills up, and the run stops, saving elsewhere, in one line
      const out = openSync(join(full, 'out.txt'), 'w');
      try {
        r = charrnn(['train', TEXT, ...MODEL, '--log-every', '1', '--save', 'out.ckpt'], {
          stdio: ['ignore', out, 'pipe'],
        });
      } finally {
        closeSync(out);
      }
      assert.equal(r.status, 1, r.stderr);
      const m =
        /^charrnn: cannot write to standard output: no space left on the device; the run stopped at iteration (\d+), saved in 'out\.ckpt'; resume with --resume out\.ckpt once it can be written\n$/.exec(
          r.stderr,
        );
      assert.ok(m, r.stderr);
      assertResumes(join(dir, 'out.ckpt'), Number(m[1]));
    } finally {
      spawnSync('umount', [full]);
    }
  });

  it('no permission (no override of file permissions): refused before training, or rescued when it is lost mid-run', async () => {
    const work = join(dir, 'unprivileged-work'); // the run's working folder: the rescue files go there
    mkdirSync(work);
    const unprivileged: RunOptions = {
      unprivileged: true,
      cwd: work,
      env: { ...process.env, TMPDIR: work },
    };
    const locked = join(dir, 'locked'); // 0555 while locked: not even its owner may write it
    mkdirSync(locked, { mode: 0o755 });
    const path = join(locked, 'x.ckpt');
    assert.equal(charrnn(['train', TEXT, ...MODEL, '--iters', '3', '--save', path]).status, 0);
    const before = readFileSync(path);
    chmodSync(locked, 0o555);
    // refused up front, nothing trained
    let r = charrnn(['train', TEXT, '--resume', path, '--iters', '10', '--quiet'], unprivileged);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr,
      `charrnn: cannot save to '${path}': permission denied; choose another --save path\n`,
    );
    assert.deepEqual(readFileSync(path), before);
    // the folder is writable when the run starts, and not again before its first save: the periodic save
    // (at iteration 2000) fails, then, in a second run, the final one
    const give = () => chmodSync(locked, 0o755);
    const takeBack = () => chmodSync(locked, 0o555);
    give();
    r = await breakWhileRunning(
      ['train', TEXT, '--resume', path, '--iters', '0', '--save-every', '2000', '--quiet'],
      unprivileged,
      takeBack,
    );
    let rescue = assertRescued(r, path, /^permission denied$/);
    assert.ok(rescue.startsWith(work), rescue);
    assert.deepEqual(readFileSync(path), before, 'the previous checkpoint is untouched');
    assert.deepEqual(temporaries(locked), []);
    assertResumes(rescue, 2000, unprivileged);
    give();
    r = await breakWhileRunning(
      ['train', TEXT, '--resume', path, '--iters', '500', '--quiet'],
      unprivileged,
      takeBack,
    );
    rescue = assertRescued(r, path, /^permission denied$/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(temporaries(locked), []);
    assertResumes(rescue, 500, unprivileged);
  });

  it('the folder removed mid-run: the periodic save and the final save go to a rescue file that resumes', async () => {
    const path = 'gone/x.ckpt';
    // the periodic save: removed after the first one (iteration 2000), the second fails
    const child = spawn(
      process.execPath,
      [CLI, 'train', TEXT, ...MODEL, '--save', path, '--save-every', '2000', '--iters', '0'],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(dir, path)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      rmSync(join(dir, 'gone'), { recursive: true, force: true });
      const rescue = assertRescued({ status: await closed, stderr }, path, /^its folder does not exist$/);
      // (4000, unless the folder went after a later save than the first)
      const iter = readCheckpoint(new Uint8Array(readFileSync(rescue)), rescue).progress.iter;
      assert.ok(iter >= 4000 && iter % 2000 === 0, `the rescue file is of iteration ${iter}`);
      assertResumes(rescue, iter);
    } finally {
      child.kill('SIGKILL');
    }
    // the final save: removed before it
    mkdirSync(join(dir, 'gone'));
    const r = await breakWhileRunning(['train', TEXT, ...MODEL, '--save', path, '--iters', '500'], {}, () =>
      rmSync(join(dir, 'gone'), { recursive: true }),
    );
    assertResumes(assertRescued(r, path, /^its folder does not exist$/), 500);
    assert.deepEqual(temporaries(dir), []);
  });
});

describe('a log that cannot be written never loses the run either', () => {
  it('refused before training when its path cannot be written', () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    for (const [log, why] of [
      ['a-file/run.jsonl', 'its folder cannot be created (a file is in the way)'],
      ['.', 'it is a folder'],
    ]) {
      const r = charrnn(['train', TEXT, ...MODEL, '--iters', '2', '--log-file', log]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(
        r.stderr,
        `charrnn: cannot write the log file '${log}': ${why}; choose another --log-file path\n`,
      );
    }
  });

  it('when it fails mid-run, the run stops, saving its state, and says so in one line', async () => {
    mkdirSync(join(dir, 'logs'));
    const path = 'logged.ckpt';
    const r = await breakWhileRunning(
      [
        'train',
        TEXT,
        ...MODEL,
        '--save',
        path,
        '--log-file',
        'logs/run.jsonl',
        '--log-every',
        '1',
        '--iters',
        '0',
      ],
      {},
      () => rmSync(join(dir, 'logs'), { recursive: true }),
    );
    assert.equal(r.status, 1, r.stderr);
    const m =
      /^charrnn: cannot write the log file 'logs\/run\.jsonl': its folder does not exist; the run stopped at iteration (\d+), saved in 'logged\.ckpt'; resume with --resume logged\.ckpt once it can be written\n$/.exec(
        r.stderr,
      );
    assert.ok(m, r.stderr);
    assertResumes(join(dir, path), Number(m[1]));
  });
  it('a full disk leaves the log whole JSON lines, and the resumed run appends after them', { skip }, (t) => {
    const full = join(dir, 'full-log');
    mkdirSync(full);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', full], { encoding: 'utf8' });
    if (mount.status !== 0) {
      t.skip(`cannot mount a tmpfs here: ${mount.stderr.trim()}`);
      return;
    }
    try {
      const log = join(full, 'run.jsonl');
      const args = ['--log-file', log, '--log-every', '1', '--save', 'full-log.ckpt'];
      let r = charrnn(['train', TEXT, ...MODEL, ...args, '--iters', '0']);
      const m =
        /^charrnn: cannot write the log file '.*': no space left on the device; the run stopped at iteration (\d+)/.exec(
          r.stderr,
        );
      assert.ok(r.status === 1 && m, r.stderr);
      /** The iterations of the log's lines, each a whole JSON object. */
      const iterations = () => {
        const text = readFileSync(log, 'utf8');
        assert.ok(
          text.endsWith('\n'),
          `the log ends in a part of a line: ...${JSON.stringify(text.slice(-60))}`,
        );
        return text
          .trimEnd()
          .split('\n')
          .map((line, i) => {
            try {
              return (JSON.parse(line) as { iter: number }).iter;
            } catch {
              return assert.fail(`line ${i + 1} of the log is not JSON: ${JSON.stringify(line)}`);
            }
          });
      };
      const logged = iterations();
      const stopped = Number(m[1]);
      assert.ok(
        logged.length > 10 && logged.at(-1)! < stopped,
        `${logged.length} lines, stopped at ${stopped}`,
      );
      // the disk full: the log's failure stops a run whose last save fails too, and the line names both
      const both = join(full, 'both.ckpt');
      r = charrnn([
        'train',
        TEXT,
        ...MODEL,
        '--log-file',
        join(full, 'both.jsonl'),
        '--log-every',
        '1',
        '--save',
        both,
      ]);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      const rescued =
        /^charrnn: cannot write the log file '.*both\.jsonl': no space left on the device; cannot write the checkpoint '.*both\.ckpt': no space left on the device; the training state is saved in '([^']+)' instead; resume from it with --resume \1\n$/.exec(
          r.stderr,
        );
      assert.ok(rescued, r.stderr);
      assertResumes(
        rescued[1],
        readCheckpoint(new Uint8Array(readFileSync(rescued[1])), 'rescue').progress.iter,
      );
      rmSync(join(full, 'both.jsonl'));
      // space again: the resumed run goes on in the same log
      assert.equal(spawnSync('mount', ['-o', 'remount,size=1m', full]).status, 0);
      r = charrnn([
        'train',
        TEXT,
        '--resume',
        'full-log.ckpt',
        ...args,
        '--iters',
        String(stopped + 3),
        '--quiet',
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(iterations(), [...logged, stopped, stopped + 1, stopped + 2]);
    } finally {
      spawnSync('umount', [full]);
    }
  });
});

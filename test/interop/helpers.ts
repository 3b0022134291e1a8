// What the interop tests share: the Python that has PyTorch, the real CLI, and a scratch folder.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, ROOT, type Run, runCli } from '../helpers/cli.js';

export { CLI, ROOT as root, type Run } from '../helpers/cli.js';
export const INTEROP = join(ROOT, 'interop/pytorch');

/** Debian's Python first (`python3` on PATH may be a pyenv shim without torch); fails with how to install. */
export function torchPython(): string {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return python;
  }
  return assert.fail(
    'no Python with PyTorch found (tried /usr/bin/python3 and python3): ' +
      'apt-get install python3-torch libopenblas0-pthread',
  );
}

/** The real CLI (`npm run build` first), in `cwd`. */
export function charrnn(cwd: string, ...args: string[]): Run {
  return runCli(args, { cwd });
}

/** A process run to its end, without blocking the event loop (so several run at once). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The real CLI, run alongside others. */
export function charrnnAsync(cwd: string, ...args: string[]): Promise<Run> {
  return run(process.execPath, [CLI, ...args], { cwd });
}

/** The loss `charrnn eval` prints, in nats per character. */
export function evalLoss(r: Run): number {
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/^loss (\d+\.\d+) nats\/char/);
  assert.ok(m, `charrnn eval printed: ${r.stdout}`);
  return Number(m[1]);
}

/** |got - want| / |want| */
export function relative(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want);
}

// The real CLI as the tests run it: `node dist/cli/main.js` (`npm test` builds first) in a folder of the
// test's, to its end; and the shape every bad input must take: the documented exit status, one line on
// stderr that starts `charrnn: `, and no stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** the working folder */
  cwd: string;
  /** standard input (none: empty) */
  input?: string;
  /** milliseconds before the run is killed (default 2 minutes) */
  timeout?: number;
  env?: NodeJS.ProcessEnv;
}

/** `charrnn ...args`, run to its end. */
export function runCli(args: readonly string[], o: RunOptions): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: o.cwd,
    timeout: o.timeout ?? 120_000,
    ...(o.input !== undefined && { input: o.input }),
    ...(o.env !== undefined && { env: o.env }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `r`, after checking that it exited 0 (else failing with `what` and its stderr). */
export function succeeded(r: Run, what = 'charrnn'): Run {
  assert.equal(r.status, 0, `${what}: exit ${r.status}: ${r.stderr}`);
  return r;
}

/** A user error: exit `status`, one line on stderr naming the problem (matching `pattern`), no stack trace. */
export function assertOneLineError(r: Run, status: number, pattern: RegExp): void {
  assert.equal(r.status, status, `exit status ${r.status}, stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^charrnn: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\bat .*\.(js|ts):\d+/, 'a stack trace leaked');
}

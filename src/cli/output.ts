// Standard output of the commands that print a result (sample, eval, info, download). A write that fails
// (no space, as into /dev/full) ends the command with one line and exit 1, not a stack trace or output lost
// without a word; a reader that went away (a broken pipe: piped into head) ends it quietly with exit 141,
// as it ends train. `train` watches its own standard output (train.ts).
import { writeError } from '../node/io.js';

let failed: NodeJS.ErrnoException | undefined;
let watching = false;

function watch(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    failed ??= e;
  });
}

/** Whether a write to standard output failed (the reader went away, no space): stop writing. */
export function stdoutFailed(): boolean {
  return failed !== undefined;
}

let last: Promise<void> = Promise.resolve();

/** Writes text to standard output; resolves once it is written, or once the write failed. */
export function writeStdout(text: string): Promise<void> {
  watch();
  if (failed) return Promise.resolve();
  last = new Promise((resolve) => {
    process.stdout.write(text, (e) => {
      if (e) failed ??= e;
      resolve();
    });
  });
  return last;
}

/** Resolves once the last write is done (or failed): for writes not awaited where they were made (--help). */
export function stdoutSettled(): Promise<void> {
  return last;
}

/** At the end of a command: a failed write is its one-line error; a broken pipe sets exit status 141. */
export function finishStdout(): void {
  if (!failed) return;
  if (failed.code === 'EPIPE') {
    process.exitCode = 141;
    return;
  }
  throw writeError('to standard output', failed);
}

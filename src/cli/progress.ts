// The live progress line on stderr (only when stderr is a terminal): iteration, smooth loss,
// characters per second, and a bar when the number of iterations is known. Drawn with log-update.
import { createLogUpdate } from 'log-update';

const BAR = 24;
const MIN_INTERVAL_MS = 100;

export class Progress {
  private readonly render: ReturnType<typeof createLogUpdate> | undefined;
  private last = 0;

  constructor(
    enabled: boolean,
    private readonly total: number | undefined,
  ) {
    this.render = enabled ? createLogUpdate(process.stderr, { showCursor: true }) : undefined;
  }

  update(iter: number, smoothLoss: number, charsPerSecond: number): void {
    if (!this.render) return;
    const now = performance.now();
    if (now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    let line = `iter ${iter}  loss ${smoothLoss.toFixed(4)}  ${formatRate(charsPerSecond)} chars/s`;
    if (this.total) {
      const f = Math.min(1, iter / this.total);
      const filled = Math.round(f * BAR);
      line = `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  ${line}`;
    }
    this.render(line);
  }

  /** Removes the line before something else is printed to the terminal. */
  clear(): void {
    this.render?.clear();
  }

  done(): void {
    this.render?.clear();
    this.render?.done();
  }
}

function formatRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);
}

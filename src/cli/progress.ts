// The live progress line on stderr (only when stderr is a terminal), drawn with log-update: a bar when
// --iters or --time-limit bounds the run, the iteration, smooth loss, characters per second, the time elapsed, an
// estimate of the time left when --iters or --time-limit bounds the run, and the last validation loss.
// `progressLine` makes the line from plain numbers, so it is tested without a terminal. log-update (and
// its width tables: about 50 ms of start-up) is loaded only when there is a terminal to draw on.
import type { createLogUpdate } from 'log-update';

const BAR = 24;
const MIN_INTERVAL_MS = 100;

/** What the line shows; the run's bounds are 0 when absent, as in TrainConfig. */
export interface ProgressState {
  iter: number;
  smoothLoss: number;
  /** --iters (0: none) */
  iters: number;
  /** --time-limit in seconds of training time (0: none) */
  timeLimit: number;
  /** the trainer's training time so far, resumed runs' included */
  trainSeconds: number;
  /** this run's iterations, wall-clock seconds and training seconds (the rates come from these) */
  runIters: number;
  runSeconds: number;
  runTrainSeconds: number;
  charsPerStep: number;
  /** the last validation loss, nats/char (undefined: none yet) */
  valLoss: number | undefined;
  /** the part of an evaluation done (0..1), while one runs */
  evaluating: number | undefined;
}

/**
 * Seconds until the run ends, from this run's rate so far: for --iters, the iterations left at this run's
 * iterations per wall-clock second; for --time-limit, the training time left, scaled by this run's ratio of
 * wall-clock to training time (evaluations and samples take time the limit does not count). The sooner
 * of the two; undefined without a bound or before there is a rate.
 */
export function etaSeconds(s: ProgressState): number | undefined {
  const etas: number[] = [];
  if (s.iters > 0 && s.runIters > 0 && s.runSeconds > 0) {
    etas.push((Math.max(0, s.iters - s.iter) * s.runSeconds) / s.runIters);
  }
  if (s.timeLimit > 0 && s.runTrainSeconds > 0) {
    etas.push((Math.max(0, s.timeLimit - s.trainSeconds) * s.runSeconds) / s.runTrainSeconds);
  }
  return etas.length ? Math.min(...etas) : undefined;
}

/**
 * The progress line, fitted to a terminal `columns` wide (its last column left empty, where a terminal
 * would wrap): on a narrow one the bar gives way to its percentage, then the elapsed time, then the speed,
 * and what is still too long is cut.
 */
export function progressLine(s: ProgressState, columns = Number.POSITIVE_INFINITY): string {
  const rate = s.runSeconds > 0 ? (s.runIters * s.charsPerStep) / s.runSeconds : 0;
  const eta = etaSeconds(s);
  const head = [`iter ${s.iter}`, `loss ${s.smoothLoss.toFixed(4)}`];
  const speed = `${formatRate(rate)} chars/s`;
  const elapsed = `elapsed ${formatClock(s.runSeconds)}`;
  const tail = [
    ...(eta !== undefined ? [`ETA ${formatClock(eta)}`] : []),
    ...(s.valLoss !== undefined ? [`val loss ${s.valLoss.toFixed(4)}`] : []),
    ...(s.evaluating !== undefined ? [`evaluating ${(s.evaluating * 100).toFixed(0)}%`] : []),
  ];
  // the bar: how far the run is toward whichever bound it reaches first
  const bounded = s.iters > 0 || s.timeLimit > 0;
  const f = Math.min(
    1,
    Math.max(s.iters > 0 ? s.iter / s.iters : 0, s.timeLimit > 0 ? s.trainSeconds / s.timeLimit : 0),
  );
  const percent = `${(f * 100).toFixed(0).padStart(3)}%`;
  const filled = Math.round(f * BAR);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${percent}`;
  // from the widest to the narrowest: the bar, then its percentage alone, without the elapsed time, without the speed
  const narrow = bounded ? [percent.trimStart()] : [];
  const lines = [
    [...(bounded ? [bar] : []), ...head, speed, elapsed, ...tail],
    [...narrow, ...head, speed, elapsed, ...tail],
    [...narrow, ...head, speed, ...tail],
    [...narrow, ...head, ...tail],
  ].map((parts) => parts.join('  '));
  const fits = lines.find((l) => l.length < columns);
  return fits ?? lines.at(-1)!.slice(0, Math.max(1, columns - 1));
}

/** A line redrawn in place on stderr (a terminal), log-update loaded on first use. */
export type StderrLine = ReturnType<typeof createLogUpdate>;
export async function stderrLine(): Promise<StderrLine> {
  const { createLogUpdate } = await import('log-update');
  return createLogUpdate(sized(process.stderr), { showCursor: true });
}

/**
 * A terminal's size, 80 x 24 when it reports none: a serial console or a pseudo-terminal nobody sized
 * (`script` run from a pipe) says 0 x 0.
 */
function terminalSize(stream: NodeJS.WriteStream): { columns: number; rows: number } {
  return { columns: stream.columns || 80, rows: stream.rows || 24 };
}

/** `stream` as log-update sees it, of `terminalSize` (log-update draws nothing in 0 rows). */
function sized(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns' || key === 'rows') return terminalSize(target)[key];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export class Progress {
  private last = 0;

  private constructor(private readonly render: StderrLine | undefined) {}

  /** A line drawn on stderr when `enabled`, else one that draws nothing. */
  static async create(enabled: boolean): Promise<Progress> {
    return new Progress(enabled ? await stderrLine() : undefined);
  }

  /** Draws the line, at most every MIN_INTERVAL_MS; `state` is only called when it draws. */
  update(state: () => ProgressState): void {
    if (!this.render) return;
    const now = performance.now();
    if (now - this.last < MIN_INTERVAL_MS) return;
    this.last = now;
    this.render(progressLine(state(), terminalSize(process.stderr).columns));
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

/** 12.3k, 1.25M. */
export function formatRate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);
}

/** m:ss, or h:mm:ss from an hour on. */
export function formatClock(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  const [h, m, s] = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60];
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** 8.4 s, 5 min 03 s, 2 h 05 min: a duration in words. */
export function formatDuration(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const t = Math.round(seconds);
  const [h, m, s] = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60];
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(s).padStart(2, '0')} s`;
}

/** What the line at the end of `charrnn train` sums up. */
export interface RunSummary {
  interrupted: boolean;
  /** --patience ended the run */
  early?: boolean;
  iter: number;
  smoothLoss: number;
  /** this run's iterations, wall-clock seconds and training seconds */
  runIters: number;
  runSeconds: number;
  runTrainSeconds: number;
  charsPerStep: number;
  /** the lowest validation loss of the model, resumed runs' included (Infinity: none) */
  bestValLoss: number;
  /** the iteration it was reached at (0: not known) */
  bestValIter?: number;
  /** the checkpoint, when one was written */
  saved: string | undefined;
  /** the .best checkpoint, when this run wrote one */
  best: string | undefined;
  /** the JSON log, when this run appended to it, and how many lines */
  log: { path: string; lines: number } | undefined;
}

/**
 * The line at the end: iterations, time, speed (over the run's wall-clock time, and over its training time),
 * losses, and the files this run wrote.
 */
export function summaryLine(s: RunSummary): string {
  const perSecond = (x: number) => (s.runSeconds > 0 ? x / s.runSeconds : 0);
  const chars = s.runIters * s.charsPerStep;
  const parts = [
    `${s.interrupted ? 'interrupted' : s.early ? 'stopped early (--patience)' : 'stopped'} at iteration ${s.iter} (${s.runIters} in this run, ` +
      `${formatDuration(s.runSeconds)}, training ${formatDuration(s.runTrainSeconds)})`,
    `${perSecond(s.runIters).toFixed(1)} iter/s, ${perSecond(chars).toFixed(0)} chars/s` +
      // what the model learned at, without the evaluations, samples and start-up: the rate to compare with
      // another trainer's, and the one a --log-file gives (iterations against elapsedSeconds)
      (s.runTrainSeconds > 0 ? ` (${(chars / s.runTrainSeconds).toFixed(0)} chars/s while training)` : ''),
    `smooth loss ${s.smoothLoss.toFixed(6)}`,
  ];
  if (Number.isFinite(s.bestValLoss)) {
    parts.push(
      `best val loss ${s.bestValLoss.toFixed(4)} nats/char (${(s.bestValLoss / Math.LN2).toFixed(4)} bits/char)` +
        (s.bestValIter ? ` at iteration ${s.bestValIter}` : ''),
    );
  }
  const files = [
    ...(s.saved ? [`saved '${s.saved}'`] : []),
    ...(s.best ? [`best '${s.best}'`] : []),
    ...(s.log ? [`log '${s.log.path}' (${s.log.lines} line${s.log.lines === 1 ? '' : 's'})`] : []),
  ];
  return [...parts, files.length ? files.join(', ') : 'no files written'].join('; ');
}

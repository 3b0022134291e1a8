// The one run loop, for the CLI and the page alike. It owns the schedule of a run: the steps, an
// evaluation every evalEvery iterations (spread one window per call, so a host stays responsive), the
// best checkpoint, a checkpoint every saveEvery iterations, the iteration and time limits, early stopping
// (--patience evaluations in a row without a better validation loss), a stop on request, and at the end a
// last evaluation and then the last checkpoint. It reports everything as events; a host renders them and
// does the I/O (writing checkpoint bytes, posting messages). The divergence guard is the trainer's: a
// non-finite loss throws out of next() before the update, and a checkpoint of a non-finite state (a bad
// gradient or an overflowing update) is never made: it throws instead.
import { concatBytes } from '../checkpoint/safetensors.js';
import { CharrnnError, shown, shownValue } from '../errors.js';
import { optionName } from './config.js';
import type { Evaluation } from './evaluate.js';
import type { StepEvent, Trainer } from './trainer.js';

export type CheckpointReason = 'every' | 'best' | 'final';
export type FinishReason = 'iters' | 'time' | 'patience' | 'stopped';

/** Why a run finished, as a host says it after "It": 'reached --iters', 'stopped early (--patience)'... */
export function finishPhrase(reason: FinishReason): string {
  switch (reason) {
    case 'iters':
      return 'reached --iters';
    case 'time':
      return 'reached --time-limit';
    case 'patience':
      return 'stopped early (--patience: the validation loss stopped improving)';
    case 'stopped':
      return 'was stopped';
  }
}

export type RunEvent =
  | ({ type: 'step' } & StepEvent)
  /** part of an evaluation is done (fraction 0..1) */
  | { type: 'evaluating'; fraction: number }
  /** an evaluation on the validation split after `iter` iterations; `best`: the lowest so far */
  | ({ type: 'evaluation'; iter: number; best: boolean } & Evaluation)
  /**
   * a checkpoint is due, for the host to write: `parts`, the file's pieces in order, are views of the live
   * training state, valid until the next event is asked for (write them one after the other: no copy of the
   * whole state); `bytes` is the file in one new array, made when first read, which must be before the next
   * event is asked for (it throws after)
   */
  | {
      type: 'checkpoint';
      reason: CheckpointReason;
      iter: number;
      parts: readonly Uint8Array[];
      readonly bytes: Uint8Array;
    }
  | { type: 'finished'; reason: FinishReason; iter: number };

export interface RunOptions {
  /** emit checkpoint events (the CLI with --save); without, none are made */
  checkpoints?: boolean;
  /** evaluate once before the first step (the page's chart starts from a validation point) */
  evalAtStart?: boolean;
}

/**
 * The usage error of --patience without a validation split; `hint` says how to give one (a host without
 * --val-file, as the page, gives its own).
 */
export function noValidationToWatch(
  patience: number,
  hint = 'set --val-fraction above 0, or give --val-file',
): CharrnnError {
  return new CharrnnError(
    `--patience ${patience} watches the validation loss, but there is no validation split`,
    hint,
    'usage',
  );
}

const RUN_OPTIONS: readonly string[] = ['checkpoints', 'evalAtStart'] satisfies (keyof RunOptions)[];

/** What a program passes the run loop, checked: a misspelt option would silently do nothing. */
function checkRunArguments(trainer: Trainer, options: RunOptions): void {
  const refuse = (message: string, hint = '') => new CharrnnError(message, hint, 'usage');
  if (typeof (trainer as Partial<Trainer> | null)?.step !== 'function')
    throw refuse(`RunLoop takes a Trainer, got ${shownValue(trainer)}`, 'make one with Trainer.create');
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw refuse(`the run options must be an object, got ${shownValue(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (!RUN_OPTIONS.includes(key))
      throw refuse(`unknown run option '${shown(key)}'`, `known options: ${RUN_OPTIONS.join(', ')}`);
    if (value !== undefined && typeof value !== 'boolean')
      throw refuse(`the run option ${key} must be true or false, got ${shownValue(value)}`);
  }
}

export class RunLoop {
  private readonly events: Generator<RunEvent, void, undefined>;
  private stopping = false;
  private ended = false;
  private lastEval = -1;
  /** calls of next(): a checkpoint event's bytes can only be read before the next one */
  private moves = 0;

  constructor(
    readonly trainer: Trainer,
    readonly options: RunOptions = {},
  ) {
    checkRunArguments(trainer, options);
    this.events = this.run();
  }

  /** Does the next unit of work (a step, or a window of an evaluation) and returns what happened; undefined at the end. */
  next(): RunEvent | undefined {
    this.moves++;
    if (this.ended) return undefined;
    try {
      const r = this.events.next();
      if (r.done) this.ended = true;
      return r.done ? undefined : r.value;
    } catch (e) {
      this.ended = true;
      throw e;
    }
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Asks the run to stop: an evaluation in progress is abandoned, then the last checkpoint and 'finished'. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * The limit the run has reached, the first of: --iters, --time-limit, --patience (that many evaluations
   * in a row without a better validation loss); undefined while none is.
   */
  get limit(): Exclude<FinishReason, 'stopped'> | undefined {
    const t = this.trainer;
    const c = t.config;
    if (c.iters > 0 && t.iter >= c.iters) return 'iters';
    if (c.timeLimit > 0 && t.trainSeconds >= c.timeLimit) return 'time';
    if (c.patience > 0 && t.evalsSinceBest >= c.patience) return 'patience';
    return undefined;
  }

  /** Whether a limit is reached (before the first step: nothing to do). */
  get limitReached(): boolean {
    return this.limit !== undefined;
  }

  /**
   * Throws a usage error, naming the setting, when the run cannot start: it has nothing left to do (a
   * finished run resumed), or --patience has no validation loss to watch. The first next() throws it too;
   * a host calls it first to hear it before it starts anything else.
   */
  checkLimits(): void {
    const t = this.trainer;
    const c = t.config;
    if (c.patience > 0 && !t.hasValidation) throw noValidationToWatch(c.patience);
    const limit = this.limit;
    if (limit === undefined) return;
    if (limit === 'patience') {
      const n = t.evalsSinceBest === 1 ? '1 evaluation has' : `${t.evalsSinceBest} evaluations in a row have`;
      const where = t.bestValIter > 0 ? ` at iteration ${t.bestValIter}` : '';
      throw new CharrnnError(
        `the run stopped early at iteration ${t.iter}: ${n} not beaten its best validation loss ` +
          `(${t.bestValLoss.toFixed(4)}${where}), and --patience is ${c.patience}`,
        'give a larger --patience, or 0 to train on regardless',
        'usage',
      );
    }
    const key = limit === 'iters' ? 'iters' : 'timeLimit';
    throw new CharrnnError(
      `the run is already at iteration ${t.iter}, as far as ${optionName(key)} ${c[key]} goes`,
      `give a larger ${optionName(key)}, or 0 to train until stopped`,
      'usage',
    );
  }

  private *run(): Generator<RunEvent, void, undefined> {
    const t = this.trainer;
    const c = t.config;
    this.checkLimits(); // a host may have called it already; a library user need not know to
    if (this.options.evalAtStart) yield* this.evaluate();
    while (!this.stopping && !this.limitReached) {
      yield { type: 'step', ...t.step() };
      if (c.evalEvery > 0 && t.iter % c.evalEvery === 0) yield* this.evaluate();
      if (c.saveEvery > 0 && t.iter % c.saveEvery === 0) yield* this.checkpoint('every');
    }
    // the loop ends on a stop or on a limit
    const reason: FinishReason = this.stopping ? 'stopped' : this.limit!;
    if (!this.stopping) yield* this.evaluate(); // the last evaluation comes before the last checkpoint
    yield* this.checkpoint('final');
    yield { type: 'finished', reason, iter: t.iter };
  }

  private *evaluate(): Generator<RunEvent, void, undefined> {
    const t = this.trainer;
    if (!t.hasValidation || this.lastEval === t.iter) return;
    const best = t.bestValLoss;
    const run = t.evaluation();
    for (let r = run.next(); ; r = run.next()) {
      if (r.done) {
        this.lastEval = t.iter;
        const improved = r.value.valLoss < best;
        yield { type: 'evaluation', iter: t.iter, best: improved, ...r.value };
        if (improved) yield* this.checkpoint('best');
        return;
      }
      if (this.stopping) {
        run.return(undefined as never); // puts the training states back
        return;
      }
      yield { type: 'evaluating', fraction: r.value };
    }
  }

  private *checkpoint(reason: CheckpointReason): Generator<RunEvent, void, undefined> {
    if (!this.options.checkpoints) return;
    const parts = this.trainer.checkpointParts();
    const at = this.moves;
    const moved = () => this.moves !== at;
    let bytes: Uint8Array | undefined;
    yield {
      type: 'checkpoint',
      reason,
      iter: this.trainer.iter,
      parts,
      get bytes() {
        if (bytes === undefined && moved()) {
          // the parts are views of a state that has moved on: refuse rather than hand out a mix of two
          throw new CharrnnError(
            "a checkpoint event's bytes were first read after the next event was asked for",
            'read them (or write its parts) before calling next() again',
            'usage',
          );
        }
        bytes ??= concatBytes(parts);
        return bytes;
      },
    };
  }
}

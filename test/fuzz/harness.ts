// What every fuzzer shares: one case's outcome (accepted, refused with the project's one-line error, or a
// failure), how a case is run and judged (the error's type and shape, its time, what it allocated), and the
// summary by outcome that the runner prints and the tests check.
//
// A case fails when it
//  - throws anything but a CharrnnError (a TypeError, a RangeError, ...), or a CharrnnError whose line has a
//    newline, another control character (C0, C1, U+2028/9) or a lone surrogate, or is over MAX_LINE long;
//  - takes longer than MAX_MS (a target that does several things in a case checks each; an accepted input
//    may take longer in proportion to what it legitimately asks for, as with the allocation below). A true
//    hang cannot be interrupted in its own thread: the runner's watchdog ends a worker that reports
//    nothing for 30 s and records the case as a hang;
//  - allocates more than its budget: the sum of the bytes of every ArrayBuffer, typed array and wasm memory
//    it asks for (meter.ts counts them at `new`, before they exist, and never subtracts what is freed, so
//    the sum bounds the peak) must stay within BYTES_PER_INPUT_BYTE times the input's size plus
//    SLACK_BYTES, plus, for an accepted input only, what it legitimately asks for (a loaded model's window
//    buffers, which its batch and sequence length size: see `windowAllowance` in checkpoint.ts). So a
//    refused input never got to allocate a model larger than itself, and a file cannot claim a model its
//    tensors do not hold. The JavaScript heap (strings, parsed JSON) is not counted; the runner's workers
//    cap it (resourceLimits), and its use follows the input's size;
//  - or breaks the target's own check of an accepted input (e.g. the sample is not 50 characters).
import { CharrnnError } from '../../src/errors.js';
import { installMeter, meterStart, meterStop, OverBudget } from './meter.js';
import { Rand } from './random.js';

export const MAX_MS = 2000;
export const MAX_LINE = 1000;
/** bytes any case may allocate besides what its input's size allows */
export const SLACK_BYTES = 1 << 20;
/** per byte of input */
export const BYTES_PER_INPUT_BYTE = 8;
/**
 * the meter's hard stop: beyond this, a case fails at once instead of allocating. Above the 4 GiB a model
 * may have (models/recurrent.ts), so that a legitimate large claim is judged by its budget, not cut off.
 */
export const CEILING_BYTES = 4.5 * 2 ** 30;

export type Outcome =
  | { kind: 'accepted'; category: string }
  | { kind: 'refused'; category: string; line: string }
  | { kind: 'failure'; category: string; detail: string };

/** What a target's case returns when the input was accepted: a category and the extra bytes it may use. */
export interface Accepted {
  category: string;
  /** bytes the accepted input legitimately asks for beyond its own size (e.g. a model's window buffers) */
  allowance?: number;
  /** milliseconds it legitimately takes beyond the limit (building a model of a long window takes time) */
  extraMs?: number;
}

export interface CaseInput {
  /** a short description of the mutation, for reproducers */
  mutation: string;
  /** the size of the untrusted input, for the allocation budget */
  inputBytes: number;
  /** runs the code under test; returns how it was accepted, or throws */
  run: () => Accepted;
}

export interface Target {
  name: string;
  /** the longest a case may take, when it does more than one thing that must each take under MAX_MS */
  maxMs?: number;
  /** builds a case (no code under test runs here) */
  make(rand: Rand): CaseInput;
}

export interface CaseResult {
  index: number;
  mutation: string;
  outcome: Outcome;
  ms: number;
  bytes: number;
}

export function allocationBudget(inputBytes: number, allowance = 0): number {
  return BYTES_PER_INPUT_BYTE * inputBytes + SLACK_BYTES + allowance;
}

/** The reason of a refusal in general terms: quoted names, numbers and lists replaced, so messages group. */
export function refusalCategory(message: string): string {
  const problem = message.replace(/^.*? is not (a valid charrnn checkpoint|a charrnn torch file): /, '');
  return problem
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/-?\b\d[\d.e+-]*\b/g, 'N')
    .replace(/\b(NaN|-?Infinity)\b/g, 'N')
    .replace(/U\+[0-9A-F]+/g, 'U+…')
    .slice(0, 90);
}

/** Whether a CharrnnError is the project's one-line error; else what is wrong with it. */
export function lineProblem(e: CharrnnError): string | undefined {
  const line = e.line;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(line)) return 'the error line has a control character';
  if (!isWellFormed(line)) return 'the error line has a lone surrogate';
  if (line.length > MAX_LINE) return `the error line is ${line.length} characters long`;
  if (line.trim() === '') return 'the error line is empty';
  return undefined;
}

/** Whether a string has no lone surrogate (so that it can be written as UTF-8). */
function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Runs one case of `target`: seed and index make it again. */
export function runCase(target: Target, seed: number, index: number): CaseResult {
  installMeter();
  const rand = new Rand(seed, index);
  const input = target.make(rand);
  const started = performance.now();
  let outcome: Outcome;
  let allowance = 0;
  let extraMs = 0;
  meterStart(CEILING_BYTES);
  try {
    const ok = input.run();
    allowance = ok.allowance ?? 0;
    extraMs = ok.extraMs ?? 0;
    outcome = { kind: 'accepted', category: ok.category };
  } catch (e) {
    outcome = judge(e);
  }
  const bytes = meterStop();
  const ms = performance.now() - started;
  const budget = allocationBudget(input.inputBytes, allowance);
  if (outcome.kind !== 'failure' && bytes > budget) {
    outcome = {
      kind: 'failure',
      category: 'allocation over budget',
      detail: `allocated ${bytes} bytes, budget ${budget} (input ${input.inputBytes} bytes, allowance ${allowance}); was ${outcome.kind}: ${outcome.category}`,
    };
  } else if (outcome.kind !== 'failure' && ms > (target.maxMs ?? MAX_MS) + extraMs) {
    outcome = { kind: 'failure', category: 'slow', detail: `took ${ms.toFixed(0)} ms` };
  }
  return { index, mutation: input.mutation, outcome, ms, bytes };
}

function judge(e: unknown): Outcome {
  if (e instanceof OverBudget)
    return { kind: 'failure', category: 'allocation over ceiling', detail: e.message };
  if (e instanceof CharrnnError) {
    const problem = lineProblem(e);
    if (problem) return { kind: 'failure', category: problem, detail: JSON.stringify(e.line.slice(0, 300)) };
    return { kind: 'refused', category: refusalCategory(e.message), line: e.line };
  }
  if (e instanceof FuzzCheckFailed) return { kind: 'failure', category: e.category, detail: e.message };
  const err = e as Error;
  return {
    kind: 'failure',
    category: `uncaught ${err?.name ?? typeof e}`,
    detail: `${err?.message ?? String(e)}\n${err?.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`,
  };
}

/** A target's own check of an accepted input failed. */
export class FuzzCheckFailed extends Error {
  constructor(
    readonly category: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'FuzzCheckFailed';
  }
}

export function check(ok: boolean, category: string, detail = category): asserts ok {
  if (!ok) throw new FuzzCheckFailed(category, detail);
}

// ---- summaries ----

/** Runs cases [0, n) of a target in this thread (the tests' way; the runner spreads them over workers). */
export function runCases(target: Target, seed: number, n: number): Summary {
  const s = newSummary(target.name, seed);
  for (let i = 0; i < n; i++) addResult(s, runCase(target, seed, i));
  return s;
}

export interface Summary {
  target: string;
  seed: number;
  cases: number;
  accepted: Map<string, number>;
  refused: Map<string, number>;
  failures: CaseResult[];
  slowestMs: number;
  mostBytes: number;
}

export function newSummary(target: string, seed: number): Summary {
  return {
    target,
    seed,
    cases: 0,
    accepted: new Map(),
    refused: new Map(),
    failures: [],
    slowestMs: 0,
    mostBytes: 0,
  };
}

export function addResult(s: Summary, r: CaseResult): void {
  s.cases++;
  s.slowestMs = Math.max(s.slowestMs, r.ms);
  s.mostBytes = Math.max(s.mostBytes, r.bytes);
  const o = r.outcome;
  if (o.kind === 'failure') s.failures.push(r);
  else {
    const map = o.kind === 'accepted' ? s.accepted : s.refused;
    map.set(o.category, (map.get(o.category) ?? 0) + 1);
  }
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export function formatSummary(s: Summary, top = 40): string {
  const lines = [
    `${s.target}: ${s.cases} cases (seed ${s.seed}): ${total(s.accepted)} accepted, ${total(s.refused)} refused, ${s.failures.length} failures; slowest ${s.slowestMs.toFixed(0)} ms, most allocated ${(s.mostBytes / 2 ** 20).toFixed(1)} MiB`,
  ];
  const list = (title: string, m: Map<string, number>) => {
    const rows = [...m].sort((a, b) => b[1] - a[1]);
    lines.push(`  ${title} (${rows.length} kinds):`);
    for (const [k, n] of rows.slice(0, top)) lines.push(`    ${String(n).padStart(7)}  ${k}`);
    if (rows.length > top)
      lines.push(
        `    ${String(rows.slice(top).reduce((a, [, n]) => a + n, 0)).padStart(7)}  (${rows.length - top} more kinds)`,
      );
  };
  list('accepted', s.accepted);
  list('refused', s.refused);
  if (s.failures.length > 0) {
    lines.push(`  FAILURES (${s.failures.length}):`);
    for (const f of s.failures.slice(0, 30)) {
      const o = f.outcome as Extract<Outcome, { kind: 'failure' }>;
      lines.push(
        `    case ${f.index} [${f.mutation}]: ${o.category}: ${o.detail.split('\n')[0]}\n      reproduce: npm run fuzz -- --target ${s.target} --seed ${s.seed} --case ${f.index}`,
      );
    }
  }
  return lines.join('\n');
}

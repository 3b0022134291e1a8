// The fuzz runner: `npm run fuzz -- [--cases N] [--seed S] [--target NAME,...] [--workers W] [--case I]`.
// Runs N cases of each target (default: checkpoint, torch, text, options; `--target cli` spawns the real
// CLI, dist/cli/main.js) over W worker threads, and prints a summary by outcome: accepted by kind, refused
// by reason, and every failure with the command that runs it again alone (--case I, in this thread, with
// the whole detail). Exits 1 when any case failed.
//
// A worker's heap is capped (resourceLimits); a worker that posts no result for HANG_MS is ended and its
// case recorded as a hang, and one that dies (out of memory, a crash) has its case recorded; either way
// a new worker goes on after it.
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { addResult, type CaseResult, formatSummary, newSummary, runCase, type Summary } from './harness.js';
import { DEFAULT_TARGETS, TARGETS } from './targets.js';
import type { WorkerJob } from './worker.js';

/** No result from a worker for this long is a hang (a case's own limit is 2 s; loading a big model takes more). */
const HANG_MS = 30_000;
const HEAP_MB = 2048;

function options(argv: string[]) {
  const o = { cases: 1000, seed: 1, targets: DEFAULT_TARGETS, workers: Math.min(2, cpus().length), one: -1 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value = ''] = [argv[i], argv[i + 1]];
    const int = () => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got '${value}'`);
      i++;
      return n;
    };
    if (flag === '--cases') o.cases = int();
    else if (flag === '--seed') o.seed = int();
    else if (flag === '--workers') o.workers = Math.max(1, int());
    else if (flag === '--case') o.one = int();
    else if (flag === '--target') {
      o.targets = value.split(',');
      for (const t of o.targets)
        if (!TARGETS[t]) throw new Error(`no target '${t}' (${Object.keys(TARGETS).join(', ')})`);
      i++;
    } else throw new Error(`unknown option '${flag}'`);
  }
  return o;
}

/** Runs cases [0, n) of a target over `workers` threads. */
async function runTarget(name: string, seed: number, n: number, workers: number): Promise<Summary> {
  const summary = newSummary(name, seed);
  const stride = Math.min(workers, Math.max(1, n));
  const lanes = Array.from({ length: stride }, (_, k) =>
    runLane({ target: name, seed, from: k, to: n, stride }, summary),
  );
  await Promise.all(lanes);
  summary.failures.sort((a, b) => a.index - b.index);
  return summary;
}

/** One lane of cases: a worker, replaced after a hang or a death, until the lane's cases are done. */
async function runLane(job: WorkerJob, summary: Summary): Promise<void> {
  let next = job.from;
  let deaths = 0;
  while (next < job.to) {
    const before = summary.cases;
    next = await new Promise<number>((resolve) => {
      // a worker does not inherit tsx: it registers it, then imports the entry
      const entry = new URL('./worker.ts', import.meta.url).href;
      const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
      const worker = new Worker(code, {
        eval: true,
        workerData: { ...job, from: next },
        resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
      });
      let at = next;
      let timer: NodeJS.Timeout;
      let settled = false;
      const lost = (category: string, detail: string) => {
        if (settled) return;
        settled = true;
        const r: CaseResult = {
          index: at,
          mutation: '(see --case)',
          outcome: { kind: 'failure', category, detail },
          ms: 0,
          bytes: 0,
        };
        addResult(summary, r);
        resolve(at + job.stride);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void worker.terminate();
          lost('hang', `no result after ${HANG_MS} ms`);
        }, HANG_MS);
      };
      arm();
      worker.on('message', (m: CaseResult | 'done') => {
        if (m === 'done') {
          clearTimeout(timer);
          settled = true;
          resolve(job.to);
          return;
        }
        addResult(summary, m);
        at = m.index + job.stride;
        arm();
      });
      worker.on('error', (e) => {
        clearTimeout(timer);
        lost('the worker died', String((e as Error)?.message ?? e));
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (at < job.to && code !== 0) lost('the worker exited', `exit code ${code}`);
      });
    });
    // a worker that cannot even start would otherwise fail every case, one at a time
    deaths = summary.cases === before + 1 ? deaths + 1 : 0;
    if (deaths >= 3)
      throw new Error(
        `three workers in a row died at their first case: ${summary.failures.at(-1)?.outcome.category}`,
      );
  }
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  if (o.one >= 0) {
    for (const name of o.targets) {
      const r = runCase(TARGETS[name]!, o.seed, o.one);
      console.log(`${name} case ${o.one} (seed ${o.seed}): ${r.mutation}`);
      console.log(`  ${r.outcome.kind}: ${r.outcome.category}`);
      if (r.outcome.kind === 'refused') console.log(`  ${r.outcome.line}`);
      if (r.outcome.kind === 'failure') console.log(`  ${r.outcome.detail}`);
      console.log(`  ${r.ms.toFixed(1)} ms, ${r.bytes} bytes allocated`);
    }
    return 0;
  }
  let failures = 0;
  const started = performance.now();
  for (const name of o.targets) {
    const t0 = performance.now();
    const s = await runTarget(name, o.seed, o.cases, o.workers);
    failures += s.failures.length;
    console.log(`${formatSummary(s)}\n  wall time ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  console.log(
    `${o.targets.length} targets, ${o.cases} cases each (seed ${o.seed}, ${o.workers} workers): ${failures} failures, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return failures > 0 ? 1 : 0;
}

process.exitCode = await main();

// Known bugs the unit tests must catch (`npm run mutate:known`). Each bug is an exact string replacement in
// the source, applied ALONE: the pattern must be found exactly once, the file is edited, `npm run build`
// runs (the CLI tests spawn dist/), then the unit test files (`node --import tsx --test`, test/e2e/ left
// out), and the file is restored byte for byte. A bug is caught when a test fails that passes without it
// (a first, unmutated run is the baseline, so a test someone is still writing does not count as a catch).
// Prints a table; exits 1 if a bug survives, no longer has a place to live, or does not build.
//
//   npm run mutate:known                          all ten bugs against all the unit tests
//   npm run mutate:known -- --only 2 --only 3     just these bugs (also --only 2,3)
//   npm run mutate:known -- --tests test/sampling/sample.test.ts --no-build
//                                                 faster: only these test files (repeat or comma-separate);
//                                                 --no-build when none of them spawns the CLI from dist/
//   npm run mutate:known -- --no-baseline         skip the unmutated run (any failing test is a catch)
//   npm run mutate:known -- --copy                work in a scratch copy of the project, so that the
//                                                 work tree (src/, dist/) is never touched
//   npm run mutate:known -- --list                print the bugs and where each lives (exit 1 when one has
//                                                 lost its place: test/mutate-known.test.ts runs this)
//
// Restoring: the edit is undone in a `finally`, on SIGINT/SIGTERM/SIGHUP and on an uncaught error. The file
// is read again first: if it is still exactly what this script wrote, the original bytes are written back;
// if someone else changed it meanwhile, only this script's replacement (which carries a
// `/* mutate-known N */` marker) is turned back into the original text, and their change is kept. After a
// run that built with a bug in place, dist/ is built again from the restored sources.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** The bugs. Each edit's `find` must occur exactly once in its file; `replace` carries the marker. */
const BUGS = [
  {
    name: 'combined gradient of two threads doubled',
    edits: [
      {
        file: 'src/training/parallel.ts',
        find: 'this.kernels.add(d, d, this.received, this.numParams);',
        replace:
          'this.kernels.add(d, d, this.received, this.numParams); for (let i = 0; i < d.length; i++) d[i] *= 2; /* mutate-known 1 */',
      },
    ],
  },
  {
    name: 'top-k ignored by the sampler',
    edits: [
      {
        file: 'src/sampling/sample.ts',
        find: 'if (order) keepTopK(logits, V, topK, order);',
        // keeping the V most likely symbols keeps them all (`if (order && false)` would not type-check)
        replace: 'if (order) keepTopK(logits, V, V /* mutate-known 2 */, order);',
      },
    ],
  },
  {
    name: 'temperature ignored by the sampler',
    edits: [
      {
        file: 'src/sampling/sample.ts',
        find: 'const invT = 1 / (options.temperature ?? 1);',
        replace: 'const invT = 1 / 1; /* mutate-known 3 */',
      },
    ],
  },
  {
    name: 'dropout forced to 0 in training',
    edits: [
      {
        file: 'src/training/build.ts',
        find: 'dropout: c.dropout,',
        replace: 'dropout: 0 /* mutate-known 4 */,',
      },
    ],
  },
  {
    name: 'schedule forced to constant, warmup to 0',
    edits: [
      {
        file: 'src/training/trainer.ts',
        find: 'kind: c.schedule,',
        replace: "kind: 'constant' as const /* mutate-known 5 */,",
      },
      {
        file: 'src/training/trainer.ts',
        find: 'warmup: c.warmup,',
        replace: 'warmup: 0 /* mutate-known 5 */,',
      },
    ],
  },
  {
    name: 'cosine decay over --time-limit never decays',
    edits: [
      {
        file: 'src/training/trainer.ts',
        find: 'overTime ? this.trainSeconds / c.timeLimit : undefined',
        replace: 'overTime ? 0 /* mutate-known 6 */ : undefined',
      },
    ],
  },
  {
    name: 'training split includes the validation text',
    edits: [
      {
        // splitText delegates to splitAt, which layText also calls (with --val-file's split point)
        file: 'src/data/streams.ts',
        find: 'train: ids.subarray(0, valFrom)',
        replace: 'train: ids.subarray(0, ids.length) /* mutate-known 7 */',
      },
    ],
  },
  {
    name: 'validation loss reported 20% low',
    edits: [
      {
        file: 'src/training/evaluate.ts',
        find: 'return evaluation(total, windows * s.batch * s.seqLength);',
        replace: 'return evaluation(0.8 * total /* mutate-known 8 */, windows * s.batch * s.seqLength);',
      },
    ],
  },
  {
    name: "Adam's beta2 0.999 -> 0.99",
    edits: [
      {
        file: 'src/training/optim.ts',
        find: "kind: 'adam',\n    clip: Infinity,\n    maxNorm: 5,\n    eps: 1e-8,\n    decay: 0,\n    beta1: 0.9,\n    beta2: 0.999,",
        replace:
          "kind: 'adam',\n    clip: Infinity,\n    maxNorm: 5,\n    eps: 1e-8,\n    decay: 0,\n    beta1: 0.9,\n    beta2: 0.99 /* mutate-known 9 */,",
      },
    ],
  },
  {
    name: '--patience ignored (the run never stops early)',
    edits: [
      {
        file: 'src/training/run.ts',
        find: "if (c.patience > 0 && t.evalsSinceBest >= c.patience) return 'patience';",
        replace: '/* mutate-known 10 */',
      },
    ],
  },
  {
    name: 'a resume on another validation text keeps the best measured on the old one',
    edits: [
      {
        file: 'src/training/trainer.ts',
        find: 'if (this.valDigest !== undefined && digest !== this.valDigest && Number.isFinite(this.bestValLoss)) {',
        replace: 'if (false) { /* mutate-known 11 */',
      },
    ],
  },
];

const USAGE =
  'usage: node scripts/mutate-known.mjs [--only N]... [--tests FILE]... [--no-build] [--no-baseline] [--copy] [--list]';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    tests: { type: 'string', multiple: true },
    'no-build': { type: 'boolean' },
    'no-baseline': { type: 'boolean' },
    copy: { type: 'boolean' },
    list: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const split = (list) => (list ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
const only = split(args.only).map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > BUGS.length)
    fail(`--only ${s}: bugs are numbered 1 to ${BUGS.length}`);
  return n;
});
const chosen = BUGS.map((bug, i) => ({ ...bug, n: i + 1 })).filter(
  (b) => only.length === 0 || only.includes(b.n),
);

function fail(message) {
  console.error(`mutate-known: ${message}\n${USAGE}`);
  process.exit(2);
}

const count = (text, s) => text.split(s).length - 1;

if (args.list) {
  // a bug whose text is no longer in its file exactly once has lost its place (a refactor moved it)
  const lost = [];
  for (const b of BUGS.map((bug, i) => ({ ...bug, n: i + 1 }))) {
    const where = b.edits.map((e) => {
      const text = readFileSync(join(repo, e.file), 'utf8');
      const at = text.indexOf(e.find);
      const line = at < 0 ? '?' : text.slice(0, at).split('\n').length;
      const matches = count(text, e.find);
      if (matches !== 1 && !lost.includes(b.n)) lost.push(b.n);
      return `${e.file}:${line} (${matches} match)`;
    });
    console.log(`${String(b.n).padStart(2)}  ${b.name.padEnd(46)} ${where.join(', ')}`);
  }
  if (lost.length) console.error(`mutate-known: bug ${lost.join(', ')} no longer found exactly once`);
  process.exit(lost.length ? 1 : 0);
}

// --- where to work: the project, or a scratch copy of it ---------------------------------------------------

// (dist/ and build/ are copied: with --no-build the CLI tests run the copy's dist/ as it was)
const LEFT_OUT_OF_COPY = new Set(['node_modules', '.git', 'reports', '.stryker-tmp', 'test-output']);
let root = repo;
let scratch;
if (args.copy) {
  scratch = mkdtempSync(join(tmpdir(), 'charrnn-mutate-known-'));
  for (const entry of readdirSync(repo)) {
    if (!LEFT_OUT_OF_COPY.has(entry)) cpSync(join(repo, entry), join(scratch, entry), { recursive: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  root = scratch;
  console.log(`working in a copy: ${scratch}`);
}

const logDir = join(repo, 'reports', 'mutate-known');
rmSync(logDir, { recursive: true, force: true }); // this run's logs only
mkdirSync(logDir, { recursive: true });

/**
 * The unit test files: test/*.test.ts and test/*\/*.test.ts but test/e2e/ and test/mutate-known.test.ts (which
 * checks that the bugs' texts are in place, so it fails on every bug planted without catching any), or the
 * ones given.
 */
function unitTestFiles() {
  const given = split(args.tests);
  if (given.length) {
    for (const f of given) if (!existsSync(join(root, f))) fail(`--tests ${f}: no such file`);
    return given;
  }
  const files = [];
  const dir = join(root, 'test');
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isFile() && e.name.endsWith('.test.ts') && e.name !== 'mutate-known.test.ts')
      files.push(`test/${e.name}`);
    if (e.isDirectory() && e.name !== 'e2e') {
      for (const f of readdirSync(join(dir, e.name)).sort())
        if (f.endsWith('.test.ts')) files.push(`test/${e.name}/${f}`);
    }
  }
  return files;
}
const testFiles = unitTestFiles();

// --- edits and their undoing ---------------------------------------------------------------------------------

/** Edits in place now: { path, original (Buffer), written (string), find, replace }. */
const active = [];

function apply(edit) {
  const path = join(root, edit.file);
  const original = readFileSync(path);
  const text = original.toString('utf8');
  const found = count(text, edit.find);
  if (found !== 1) return `'${edit.find.split('\n')[0]}' found ${found} times in ${edit.file}`;
  if (text.includes(edit.replace)) return `${edit.file} already holds the replacement (a left-over?)`;
  const at = text.indexOf(edit.find);
  const written = text.slice(0, at) + edit.replace + text.slice(at + edit.find.length);
  writeFileSync(path, written);
  active.push({ path, original, written, find: edit.find, replace: edit.replace });
  return undefined;
}

/** Undoes every active edit, newest first. Synchronous, so it can run from a signal handler. */
function restoreAll() {
  while (active.length) {
    const e = active.pop();
    const now = readFileSync(e.path);
    if (now.toString('utf8') === e.written) {
      // the file is as this script left it: the original bytes, byte for byte (the same file may carry
      // another active edit of the same bug, which was applied before this one and is undone next)
      writeFileSync(e.path, e.original);
      continue;
    }
    const text = now.toString('utf8');
    const n = count(text, e.replace);
    if (n === 1) {
      const at = text.indexOf(e.replace);
      writeFileSync(e.path, text.slice(0, at) + e.find + text.slice(at + e.replace.length));
      console.error(
        `mutate-known: ${relative(root, e.path)} changed meanwhile; undid only this script's replacement`,
      );
    } else {
      console.error(
        `mutate-known: WARNING: ${relative(root, e.path)} changed meanwhile and holds the replacement ${n} times; ` +
          `left as it is: look for '/* mutate-known' in it`,
      );
    }
  }
}

// --- running things ------------------------------------------------------------------------------------------

let child;
let builtWithBug = false;

/** Runs a command in `root`, output to `log`; resolves to its exit code (or a signal name). */
function run(cmd, argv, log) {
  return new Promise((resolve) => {
    const out = [];
    child = spawn(cmd, argv, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('close', (code, signal) => {
      child = undefined;
      writeFileSync(log, Buffer.concat(out));
      resolve(code ?? signal);
    });
  });
}

const build = (log) => run('npm', ['run', 'build'], log);

/**
 * The test files under `node --test`, output to `<base>.log` (spec) and `<base>.tap`. A hang ends at
 * --test-timeout (which Node 20 applies to each file as a whole).
 */
function runTests(base) {
  const tap = `${base}.tap`;
  const log = `${base}.log`;
  return run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-timeout=600000',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      ...testFiles,
    ],
    log,
  ).then((code) => ({ code, failing: failingTests(tap) }));
}

/** The failing tests of a TAP file, innermost only, as "file > suite > test". */
function failingTests(tapFile) {
  if (!existsSync(tapFile)) return [];
  const stack = [];
  const failed = [];
  for (const line of readFileSync(tapFile, 'utf8').split('\n')) {
    const sub = /^( *)# Subtest: (.*)$/.exec(line);
    if (sub) {
      stack.length = sub[1].length / 4;
      stack.push(sub[2]);
      continue;
    }
    const result = /^( *)not ok \d+ - (.*?)(?: # .*)?$/.exec(line);
    if (result) {
      const level = result[1].length / 4;
      failed.push([...stack.slice(0, level), result[2]].join(' > '));
    }
  }
  return failed.filter((f) => !failed.some((g) => g !== f && g.startsWith(`${f} > `)));
}

/** "3 failing, e.g. suite > test", short enough for the table. */
function failedSummary(failing) {
  if (failing.length === 0) return 'the run fails (outside any test)';
  const first = failing[0].length > 70 ? `${failing[0].slice(0, 67)}...` : failing[0];
  return `${failing.length} failing, e.g. ${first}`;
}

function onSignal(signal) {
  process.removeAllListeners(signal);
  if (child) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
  restoreAll();
  if (builtWithBug && !scratch) {
    console.error('mutate-known: interrupted; building dist/ again from the restored sources');
    spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
}
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, onSignal);
process.on('exit', restoreAll); // last resort: an uncaught error also ends up here

// --- the run ---------------------------------------------------------------------------------------------------

const secs = (t0) => Math.round((performance.now() - t0) / 1000);
const results = [];
let baseline = [];

try {
  console.log(
    `${chosen.length} bug(s), ${testFiles.length} test file(s)${args['no-build'] ? ', no build' : ''}`,
  );
  if (!args['no-baseline']) {
    const t0 = performance.now();
    if (!args['no-build'] && (await build(join(logDir, 'baseline.build.log'))) !== 0) {
      throw new Error(`the unmutated build fails: see ${join(logDir, 'baseline.build.log')}`);
    }
    const r = await runTests(join(logDir, 'baseline'));
    baseline = r.failing;
    console.log(
      `baseline (no bug): ${r.code === 0 ? 'all pass' : `${baseline.length} failing`} (${secs(t0)} s)`,
    );
    for (const f of baseline) console.log(`  already failing, not counted: ${f}`);
    if (r.code !== 0 && baseline.length === 0)
      throw new Error('the unmutated test run fails outside any test: see baseline.log');
  }

  for (const bug of chosen) {
    const t0 = performance.now();
    const base = join(logDir, `bug-${bug.n}`);
    let result;
    let problem;
    for (const edit of bug.edits) {
      problem = apply(edit);
      if (problem) break;
    }
    try {
      if (problem) {
        result = { status: 'NO PLACE', detail: problem };
      } else {
        builtWithBug = !args['no-build'];
        const built = args['no-build'] ? 0 : await build(`${base}.build.log`);
        if (built !== 0) {
          result = { status: 'BUILD FAILS', detail: `see ${relative(repo, `${base}.build.log`)}` };
        } else {
          const r = await runTests(base);
          const fresh = r.failing.filter((f) => !baseline.includes(f));
          const caught = args['no-baseline'] ? r.code !== 0 : fresh.length > 0;
          result = {
            status: caught ? 'caught' : 'SURVIVES',
            detail: caught ? failedSummary(args['no-baseline'] ? r.failing : fresh) : '',
          };
        }
      }
    } finally {
      restoreAll();
    }
    results.push({ n: bug.n, name: bug.name, file: bug.edits[0].file, seconds: secs(t0), ...result });
    const last = results[results.length - 1];
    console.log(`bug ${bug.n}: ${last.status} (${last.seconds} s) ${last.detail}`);
  }
} finally {
  restoreAll();
  if (builtWithBug && !scratch) {
    console.log('building dist/ again from the restored sources');
    await build(join(logDir, 'rebuild.log'));
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

const rows = [
  ['#', 'known bug', 'lives in', 'result', 'time', 'tests that fail'],
  ...results.map((r) => [String(r.n), r.name, r.file, r.status, `${r.seconds} s`, r.detail]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
const line = (r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join(' | ');
console.log(`\n${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
for (const r of rows.slice(1)) console.log(line(r));
writeFileSync(join(logDir, 'results.json'), `${JSON.stringify({ testFiles, baseline, results }, null, 2)}\n`);
const bad = results.filter((r) => r.status !== 'caught');
console.log(
  `\n${results.length - bad.length} of ${results.length} caught; logs in ${relative(repo, logDir)}/`,
);
process.exitCode = bad.length ? 1 : 0;

// Mutation testing of the core (`npm run mutate`; not part of CI or `npm test`). StrykerJS copies the
// project into a sandbox under .stryker-tmp/, mutates the files below there, and runs the unit test files
// with the tap runner: each file is run directly (`node --import tsx file.ts`), which prints TAP, in a
// fresh process per file. Reports go to reports/mutation/ (HTML and JSON) and the console (a table of the
// score per file, and every surviving mutant). Incremental: a re-run tests only the mutants whose code or
// tests changed since reports/stryker-incremental.json; `npm run mutate -- --force` runs them all again.
//
// Speed on 2 cores: coverage analysis 'perTest' makes the tap runner record, during the dry run, which
// mutants each test FILE reaches (a file is the tap runner's unit of a "test"), so each mutant runs only
// the files that reach it, and stops at the first failing test (bail). `ignoreStatic` would not help: with
// the tap runner every file is a fresh process and module-level code counts as covered by the files that
// load it, so there are no "static" mutants to ignore.
//
// The test files: the unit tests that run the core in-process. Left out:
// - test/cli/**: they spawn the CLI from dist/, which Stryker does not mutate, so they cannot kill a
//   mutant and would only cost time;
// - test/e2e/**: the web page in a browser;
// - test/interop/** but torch.test.ts: they spawn the CLI from dist/ and Python (PyTorch, a DDP run);
//   torch.test.ts runs in-process and stays;
// - test/package.test.ts: runs `npm pack` over dist/ and reaches no mutated file;
// - test/kernels/**: kernels-relaxed.test.ts spawns a child `node --test` (outside Stryker's coverage and
//   hit counting), and no file there reaches a mutated file (the kernels are below the core);
// - test/models/**: the models are below the core too (no file there imports a mutated file).
// test/training/trainer.test.ts stays in although its last suite spawns dist/cli/main.js (those tests run
// unmutated code, ~4 s of the file's ~5 s): its in-process suite (bit-for-bit resume of every model and
// optimizer, learning, sampling, refusals) comes first and kills most trainer mutants before the CLI
// suite starts, so the CLI part costs time only for mutants that survive the file.
// Worker threads work in the sandbox: src/node/threads.ts starts them through tsx from the (mutated)
// sources, since there is no src/node/shard-worker.js; their coverage is not recorded (another isolate),
// the main thread's is.

const interactive = process.stdout.isTTY === true;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  mutate: [
    'src/sampling/sample.ts',
    'src/training/config.ts',
    'src/training/presets.ts',
    'src/training/build.ts',
    'src/training/optim.ts',
    'src/training/schedule.ts',
    'src/training/trainer.ts',
    'src/training/run.ts',
    'src/training/evaluate.ts',
    'src/data/streams.ts',
    'src/checkpoint/format.ts',
    'src/checkpoint/v1.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: false,
  tap: {
    testFiles: [
      'test/!(package).test.ts',
      'test/!(cli|e2e|interop|kernels|models)/*.test.ts',
      'test/interop/torch.test.ts',
    ],
    nodeArgs: ['--import', 'tsx', '--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  concurrency: 2,
  // The timeout of one mutant's run (the tap runner's "test" is a file, so this is the per-test timeout):
  // timeoutFactor x the covering files' dry-run time + timeoutMS. Generous, for a busy 2-core machine.
  // Synchronous endless loops are stopped sooner, by Stryker's hit limit.
  timeoutFactor: 2,
  timeoutMS: 15_000,
  dryRunTimeoutMinutes: 20,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  // Stryker rewrites the sandbox's tsconfig.json (extends, references) with TypeScript's JS API, which
  // TypeScript 7 (the native compiler) no longer has: "ts.parseConfigFileTextToJson is not a function".
  // Ours has nothing outside the project to rewrite, and tsx ignores types, so no file is named here.
  tsconfigFile: '',
  ignorePatterns: ['test-output', 'web/dist', 'build'],
  reporters: ['clear-text', interactive ? 'progress' : 'progress-append-only', 'html', 'json'],
  clearTextReporter: { allowColor: interactive, reportTests: false, logTests: true, maxTestsToLog: 3 },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
};

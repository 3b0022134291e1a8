// The README's library example, as a user of the package meets it: the code block under "## Library",
// verbatim, typechecked in a project of its own that imports 'charrnn' and 'charrnn/node' by name (the
// package's exports and its published typings in dist/, not src/), then run there with smaller numbers.
// Needs the build (dist/): `npm run build`, or `npx tsc -p tsconfig.build.json && node scripts/postbuild.mjs`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Library'), readme.indexOf('## One pipeline'));
const block = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];

let dir = '';
before(() => {
  assert.ok(existsSync(join(root, 'dist', 'index.d.ts')), 'build dist/ first');
  dir = mkdtempSync(join(tmpdir(), 'charrnn-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'charrnn'), 'dir');
  symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user', private: true, type: 'module' }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `code` with each [from, to] replaced, each found exactly once (so a changed README is noticed here). */
function replaced(code: string, pairs: [string, string][]): string {
  for (const [from, to] of pairs) {
    assert.equal(code.split(from).length, 2, `the README's example no longer has ${from} once`);
    code = code.replace(from, to);
  }
  return code;
}

it("typechecks verbatim against the package's typings, strictly, with only text and heldOut declared", () => {
  assert.ok(block, 'no ts block in the Library section');
  writeFileSync(
    join(dir, 'example.ts'),
    `declare const text: string;\ndeclare const heldOut: string;\n${block}\n`,
  );
  const options = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: false, // the published .d.ts files are checked too
    types: ['node'],
    lib: ['ES2023'],
  };
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: options, files: ['example.ts'] }),
  );
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
});

it('runs, as the package, with a small model: the seed, a resume, the LSTM run loop, its checkpoints', () => {
  const text = readFileSync(join(root, 'dist', 'builtin-corpus.txt'), 'utf8');
  const code = replaced(block!, [
    ['i < 5000', 'i < 200'],
    [
      'hidden: 128, iters: 2000',
      'hidden: 16, iters: 40, layers: 1, embedding: 8, batch: 4, seqLength: 16, evalEvery: 20',
    ],
    ['sample(500', 'sample(50'],
  ]);
  // the built-in corpus is made from this project's prose, so what follows the first 40,000 characters moves
  // with every edit: the held-out text is its next 1,000 characters that the training text has (the example
  // scores it with the model, which gives no probability to a symbol it never saw)
  const train = text.slice(0, 40_000);
  const seen = new Set(train);
  const heldOut = [...text.slice(40_000)]
    .filter((c) => seen.has(c))
    .slice(0, 1000)
    .join('');
  const head = `const text = ${JSON.stringify(train)};\nconst heldOut = ${JSON.stringify(heldOut)};\n`;
  writeFileSync(join(dir, 'run.ts'), `${head}${code}\n`);
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), 'run.ts'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^0 \d+\.\d+ /); // the seed's first sample, at iteration 0
  assert.match(r.stdout, /^40 \d\.\d+ \d\.\d+$/m); // the last evaluation
  assert.match(r.stdout, /valLoss: \d\.\d+,\s+valBits: \d\.\d+,\s+characters: 999/);
  const final = readCheckpoint(new Uint8Array(readFileSync(join(dir, 'lstm.ckpt'))));
  const best = readCheckpoint(new Uint8Array(readFileSync(join(dir, 'lstm.best.ckpt'))));
  assert.equal(final.progress.iter, 40);
  assert.equal(final.config.model, 'lstm');
  assert.equal(best.progress.bestValLoss, final.progress.bestValLoss);
});

// The build's skip on `npm install` (scripts/prepare.mjs): dist/ is rebuilt unless it was built from exactly
// the inputs there now (scripts/build-inputs.mjs). Checked in a scratch project with a stand-in build (a
// script that writes a marker), so nothing here touches this repository's dist/: the hash follows every
// input's contents and name and ignores what the build writes into src/; prepare skips only a matching
// stamp with the CLI entry present, runs the build otherwise, and passes on the build's failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { buildInputsHash, distUpToDate, STAMP } = (await import(
  join(repo, 'scripts', 'build-inputs.mjs')
)) as {
  buildInputsHash(root?: string): string;
  distUpToDate(root?: string): boolean;
  STAMP: string;
};

let root: string;
const put = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};
/** A finished build: the CLI entry and the stamp of the inputs as they are now. */
const built = () => {
  put('dist/cli/main.js', '#!/usr/bin/env node\n');
  put(STAMP, `${buildInputsHash(root)}\n`);
};
const prepare = () =>
  spawnSync(process.execPath, [join(root, 'scripts', 'prepare.mjs')], { cwd: root, encoding: 'utf8' });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'charrnn-build-'));
  cpSync(join(repo, 'scripts', 'prepare.mjs'), join(root, 'scripts', 'prepare.mjs'));
  cpSync(join(repo, 'scripts', 'build-inputs.mjs'), join(root, 'scripts', 'build-inputs.mjs'));
  put(
    'package.json',
    JSON.stringify({
      name: 'scratch',
      private: true,
      scripts: { build: "node -e \"require('node:fs').writeFileSync('built', '')\"" },
    }),
  );
  put('README.md', '# scratch\n');
  put('src/index.ts', 'export const a = 1;\n');
  put('assembly/kernels.ts', 'export function f(): void {}\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the inputs of a build', () => {
  it('dist/ built from the inputs there now is up to date', () => {
    built();
    assert.equal(distUpToDate(root), true);
  });

  for (const [what, change] of [
    ['a source edited', () => put('src/index.ts', 'export const a = 2;\n')],
    ['a source added', () => put('src/extra.ts', '\n')],
    ['a source renamed', () => renameSync(join(root, 'src/index.ts'), join(root, 'src/main.ts'))],
    ['a kernel edited', () => put('assembly/kernels.ts', '\n')],
    ['the README edited (the built-in corpus)', () => put('README.md', '# scratch 2\n')],
    ['a lockfile added (the compilers)', () => put('package-lock.json', '{}')],
    ['a build script edited', () => put('scripts/postbuild.mjs', '\n')],
    ['the CLI entry gone', () => rmSync(join(root, 'dist/cli/main.js'))],
    ['the stamp gone', () => rmSync(join(root, STAMP))],
  ] as const) {
    it(`is out of date after ${what}`, () => {
      built();
      change();
      assert.equal(distUpToDate(root), false);
    });
  }

  it('ignores what the build writes into src/ (the embedded kernels) and files outside the inputs', () => {
    built();
    put('src/kernels/wasm-binary.generated.ts', 'export const wasmBase64 = "";\n');
    put('test/a.test.ts', '\n');
    put('dist/index.js', '\n');
    assert.equal(distUpToDate(root), true);
  });
});

describe("npm install's prepare step", () => {
  it('skips the build when dist/ is up to date, and says so', () => {
    built();
    const r = prepare();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /dist\/ is up to date/);
    assert.equal(existsSync(join(root, 'built')), false, 'the build ran');
  });

  it('runs the build when a source changed since', () => {
    built();
    put('src/index.ts', 'export const a = 3;\n');
    const r = prepare();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(join(root, 'built')), true, 'the build did not run');
  });

  it('fails when the build fails', () => {
    put('package.json', JSON.stringify({ name: 'scratch', private: true, scripts: { build: 'exit 3' } }));
    const r = prepare();
    assert.notEqual(r.status, 0);
  });
});

// What `npm publish` would ship, read from `npm pack --dry-run --json` over the built dist/ (`npm test` builds
// first): the CLI entry, both entry points of the exports map with their types, the built-in corpus, the
// worker, LICENSE and README; no tests, no fixtures, nothing but dist/ besides those; no build output left
// over from a source that is gone; no source map without its sources; type declarations without the
// embedded WebAssembly; and a total size under a bound.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * Named bound on the tarball (gzip), 500 kB; 295 kB when first written, 408 kB on 2026-12-02 (when it
 * was raised from 400 kB). Most of it is the built-in corpus (this project's README and sources, ~500 kB
 * raw, growing with them) and the WebAssembly kernels as base64 (two builds, ~185 kB raw); the rest is
 * JavaScript and declarations. The margin leaves room to grow, and the bound still refuses a package that
 * ships its test fixtures (+370 kB) or source maps with their sources inlined (+210 kB, half of it the
 * base64 kernels again).
 */
const MAX_PACKED_BYTES = 500_000;
/** Named bound on the kernels' declarations: the two names and their types, never the base64 (~92 kB each). */
const MAX_WASM_DTS_BYTES = 2_000;
/** Files written into dist/ by scripts/postbuild.mjs rather than compiled from src/. */
const NOT_COMPILED = new Set(['dist/builtin-corpus.txt']);

interface PackFile {
  path: string;
  size: number;
  mode: number;
}
let pack: { size: number; unpackedSize: number; files: PackFile[] };
let paths: Set<string>;

before(() => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  [pack] = JSON.parse(r.stdout);
  paths = new Set(pack.files.map((f) => f.path));
  console.log(
    `  npm pack: ${pack.files.length} files, ${pack.size} bytes packed, ${pack.unpackedSize} unpacked`,
  );
});

describe('the npm package', () => {
  it('holds the CLI entry, both entry points with their types, the worker, the corpus, LICENSE and README', () => {
    const bin = pkg.bin.charrnn;
    const targets = Object.values(pkg.exports as Record<string, Record<string, string>>).flatMap((e) =>
      Object.values(e).map((p) => p.replace(/^\.\//, '')),
    );
    assert.deepEqual(targets.sort(), [
      'dist/index.d.ts',
      'dist/index.js',
      'dist/node/index.d.ts',
      'dist/node/index.js',
    ]);
    for (const p of [
      'package.json',
      'README.md',
      'LICENSE',
      bin,
      ...targets,
      'dist/node/shard-worker.js',
      'dist/node/shard-keeper.js',
      'dist/builtin-corpus.txt',
    ]) {
      assert.ok(paths.has(p), `${p} is not in the package`);
    }
    assert.equal(bin, 'dist/cli/main.js');
    assert.match(readFileSync(join(root, bin), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('ships nothing but dist/ (and package.json, README, LICENSE): no tests, no fixtures', () => {
    const other = [...paths].filter(
      (p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(p),
    );
    assert.deepEqual(other, []);
    const tests = [...paths].filter((p) => /(^|\/)(tests?|fixtures|e2e)\/|\.test\.|\.spec\./.test(p));
    assert.deepEqual(tests, []);
  });

  it('ships no build output whose source is gone (a stale dist/: rm -rf dist && npm run build)', () => {
    const stale = [...paths].filter((p) => {
      if (!p.startsWith('dist/') || NOT_COMPILED.has(p)) return false;
      const source = p.replace(/^dist\//, 'src/').replace(/(\.d\.ts|\.js|\.js\.map)$/, '.ts');
      return source === p || !existsSync(join(root, source));
    });
    assert.deepEqual(stale, []);
  });

  it('source maps: none that points at sources the package lacks, and no JavaScript that points at a missing map', () => {
    for (const p of [...paths].filter((p) => p.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(root, p), 'utf8'));
      (map.sources as string[]).forEach((source, i) => {
        const shipped = paths.has(join(p, '..', source));
        assert.ok(
          shipped || typeof map.sourcesContent?.[i] === 'string',
          `${p} points at ${source}, which is neither in the package nor inlined (sourcesContent)`,
        );
      });
    }
    for (const p of [...paths].filter((p) => p.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, p), 'utf8'))?.[1];
      if (url === undefined || url.startsWith('data:')) continue;
      assert.ok(paths.has(join(p, '..', url)), `${p} points at ${url}, which the package leaves out`);
    }
  });

  it('the type declarations hold no embedded WebAssembly', () => {
    const dts = 'dist/kernels/wasm-binary.generated.d.ts';
    const size = pack.files.find((f) => f.path === dts)?.size;
    assert.ok(size !== undefined && size < MAX_WASM_DTS_BYTES, `${dts}: ${size} bytes`);
    assert.match(readFileSync(join(root, dts), 'utf8'), /export declare const wasmBase64: string;/);
  });

  it(`is under ${MAX_PACKED_BYTES / 1000} kB packed`, () => {
    const largest = [...pack.files].sort((a, b) => b.size - a.size).slice(0, 5);
    assert.ok(
      pack.size < MAX_PACKED_BYTES,
      `${pack.size} bytes packed; the largest files: ${largest.map((f) => `${f.path} ${f.size}`).join(', ')}`,
    );
  });

  it('LICENSE is the MIT license package.json names, of the charrnn authors', () => {
    assert.equal(pkg.license, 'MIT');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the charrnn authors\n/);
    assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  });
});

// The public API as the README shows it, imported from the package's entry points ('charrnn' and
// 'charrnn/node'); the exported names, so that a change to the API is a deliberate one; and the core's
// promise to the browser: nothing under src/ but the CLI and src/node imports a node: module, and the
// built entry ('charrnn', dist/index.js) imports, through all its files, nothing but its own files, and
// runs where there is nothing of Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.js';
import { corpusFromString, initKernels, presetConfig, RunLoop, Trainer } from '../src/index.js';
import * as nodeApi from '../src/node/index.js';
import { nodeHost, writeFileAtomic } from '../src/node/index.js';
import { golden } from './helpers/golden.js';

describe('library (README example)', () => {
  it('trains the seed and an LSTM through the run loop, checkpoints, resumes, scores and samples', async () => {
    await initKernels();
    const corpus = corpusFromString(golden.corpus.repeat(4));
    // the seed, exactly: the defaults are min-char-rnn's
    const seed = Trainer.create(corpus, { seed: 1, sampleEvery: 50 });
    let samples = 0;
    for (let i = 0; i < 100; i++) if (seed.step().sample) samples++;
    assert.equal(samples, 2);
    const again = Trainer.fromCheckpoint(seed.toCheckpoint(), corpus);
    assert.equal(again.iter, 100);
    assert.equal(again.step().iter, 100);
    // an LSTM recipe on two threads, driven by the run loop
    const dir = mkdtempSync(join(tmpdir(), 'charrnn-lib-'));
    try {
      const settings = presetConfig('char-lstm', {
        layers: 1,
        hidden: 16,
        embedding: 8,
        batch: 4,
        seqLength: 16,
        iters: 50,
        evalEvery: 20,
        sampleEvery: 0,
        seed: 2,
      });
      const lstm = Trainer.create(corpus, settings, nodeHost);
      const seen: string[] = [];
      const valLosses: number[] = [];
      const run = new RunLoop(lstm, { checkpoints: true });
      for (let e = run.next(); e; e = run.next()) {
        if (e.type === 'checkpoint') writeFileAtomic(join(dir, `${e.reason}.ckpt`), e.bytes);
        if (e.type === 'evaluation') valLosses.push(e.valLoss);
        if (e.type !== 'step' && e.type !== 'evaluating')
          seen.push(`${e.type} ${'reason' in e ? e.reason : e.iter}`);
      }
      lstm.close();
      assert.equal(lstm.config.threads, 2);
      // evaluations at 20, 40 and the end; the last one before the last checkpoint, which records the best
      assert.deepEqual(
        seen.filter((x) => x.startsWith('evaluation')),
        ['evaluation 20', 'evaluation 40', 'evaluation 50'],
      );
      assert.deepEqual(seen.slice(-2), ['checkpoint final', 'finished iters']);
      assert.ok(seen.includes('checkpoint best'));
      const score = lstm.score(corpusFromString(golden.corpus.slice(0, 300)));
      assert.equal(score.characters, 299);
      assert.ok(score.valLoss > 0 && score.valLoss < Math.log(lstm.vocab.size));
      assert.equal([...lstm.sample(30, 'The ', { temperature: 0.8 })].length, 30);
      const back = Trainer.fromCheckpoint(new Uint8Array(readFileSync(join(dir, 'final.ckpt'))));
      assert.equal(back.iter, 50);
      assert.equal(back.bestValLoss, Math.min(...valLosses));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exports a deliberate API: these names and no others', () => {
    assert.deepEqual(Object.keys(api).sort(), [
      'CHECKPOINT_FORMAT',
      'CHECKPOINT_VERSION',
      'CharrnnError',
      'CorpusEncoder',
      'DEFAULTS',
      'MODEL_KINDS',
      'OPTIMIZERS',
      'OPTIONS',
      'PRESETS',
      'RunLoop',
      'SCHEDULES',
      'Trainer',
      'Vocab',
      'corpusFromString',
      'defaultPreset',
      'encodeCorpus',
      'exportOnnx',
      'exportTorch',
      'findPreset',
      'importTorch',
      'initKernels',
      'parseOption',
      'presetConfig',
      'readAnyCheckpoint',
      'readCheckpoint',
      'resolveConfig',
      'shardEnded',
      'startShardWorker',
      'writeCheckpoint',
    ]);
    assert.deepEqual(Object.keys(nodeApi).sort(), [
      'nodeHost',
      'prepareSavePath',
      'readBytes',
      'readCorpus',
      'readText',
      'saveOrRescue',
      'writeFileAtomic',
    ]);
  });
});

describe('the core is browser-safe', () => {
  it('no file under src/ outside src/cli and src/node imports a node: module', () => {
    const root = fileURLToPath(new URL('../src', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'cli' && entry.name !== 'node') walk(path);
        } else if (
          entry.name.endsWith('.ts') &&
          /from ['"]node:|import\(['"]node:/.test(readFileSync(path, 'utf8'))
        ) {
          offenders.push(path);
        }
      }
    };
    walk(root);
    assert.deepEqual(offenders, []);
  });
});

describe("the built core ('charrnn') is browser-safe", () => {
  const dist = new URL('../dist/', import.meta.url);

  it('dist/index.js imports, through all its files, only files of dist/ (no node:, no package)', () => {
    assert.ok(existsSync(new URL('index.js', dist)), 'build dist/ first');
    const seen = new Set<string>();
    const outside: string[] = [];
    const visit = (url: URL) => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const code = readFileSync(url, 'utf8');
      for (const m of code.matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^;]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g,
      )) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('./') || spec.startsWith('../')) visit(new URL(spec, url));
        else outside.push(`${url.pathname.slice(dist.pathname.length)} imports ${spec}`);
      }
    };
    visit(new URL('index.js', dist));
    assert.deepEqual(outside, []);
    assert.ok(seen.size > 20, `only ${seen.size} files reached: the import pattern no longer matches`);
    for (const href of seen) assert.ok(!href.includes('/dist/node/') && !href.includes('/dist/cli/'), href);
  });

  it('runs in a context with only what a browser has: no process, Buffer, require or node: modules', () => {
    // dist/index.js's module graph linked by hand into a fresh vm context (what a bundle does), then a
    // model trained, sampled, checkpointed and read back there
    const script = `
      import vm from 'node:vm';
      import { readFileSync } from 'node:fs';
      const context = vm.createContext({
        WebAssembly, crypto: globalThis.crypto, performance, TextEncoder, TextDecoder, console,
        SharedArrayBuffer, Atomics, atob, btoa, queueMicrotask, setTimeout, clearTimeout, URL,
      });
      const modules = new Map();
      const load = (href) => {
        if (!modules.has(href))
          modules.set(href, new vm.SourceTextModule(readFileSync(new URL(href), 'utf8'), { context, identifier: href }));
        return modules.get(href);
      };
      const main = load(${JSON.stringify(new URL('index.js', dist).href)});
      await main.link((spec, from) => {
        if (!spec.startsWith('.')) throw new Error('imports ' + spec);
        return load(new URL(spec, from.identifier).href);
      });
      await main.evaluate();
      const api = main.namespace;
      const probe = new vm.Script('[typeof process, typeof Buffer, typeof require]').runInContext(context);
      const kernels = await api.initKernels();
      const corpus = api.corpusFromString('hello world, this is a tiny text for a tiny model. '.repeat(20));
      const t = api.Trainer.create(corpus, api.presetConfig('char-gru', {
        seed: 1, hidden: 8, layers: 1, embedding: 4, batch: 2, seqLength: 10, iters: 20, evalEvery: 10,
      }));
      const events = [];
      const run = new api.RunLoop(t, { checkpoints: true });
      for (let e = run.next(); e; e = run.next()) if (e.type !== 'step' && e.type !== 'evaluating') events.push(e.type);
      const back = api.Trainer.fromCheckpoint(t.toCheckpoint(), corpus);
      console.log(JSON.stringify({ probe, kernels, events, iter: back.iter, sample: [...back.sample(20, 'h')].length }));
    `;
    const r = spawnSync(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.probe, ['undefined', 'undefined', 'undefined']);
    assert.equal(out.kernels, true); // the WebAssembly SIMD kernels compile there too
    assert.deepEqual(out.events, [
      'evaluation',
      'checkpoint',
      'evaluation',
      'checkpoint',
      'checkpoint',
      'finished',
    ]);
    assert.equal(out.iter, 20);
    assert.equal(out.sample, 20);
  });
});

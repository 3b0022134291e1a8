// The public API as the README shows it, imported from the package's entry points ('charrnn' and
// 'charrnn/node'); the exported names, so that a change to the API is a deliberate one; and the core's
// promise to the browser: nothing under src/ but the CLI and src/node imports a node: module.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

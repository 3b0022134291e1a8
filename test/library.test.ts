// The public API as the README shows it, imported from the package's entry point; and the core's promise
// to the browser: nothing under src/ but the CLI imports a node: module.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { corpusFromString, initKernels, ModelTrainer, Trainer } from '../src/index.js';
import { golden } from './helpers/golden.js';

describe('library (README example)', () => {
  it('trains the seed and a recipe, evaluates, samples, checkpoints and resumes', async () => {
    await initKernels();
    const corpus = corpusFromString(golden.corpus.repeat(4));
    const seed = Trainer.create(corpus, { seed: 1, sampleEvery: 50 });
    let samples = 0;
    for (let i = 0; i < 100; i++) if (seed.step().sample) samples++;
    assert.equal(samples, 2);
    const again = Trainer.fromCheckpoint(seed.toCheckpoint(), corpus);
    assert.equal(again.iter, 100);
    const lstm = ModelTrainer.create(corpus, {
      model: 'lstm',
      layers: 1,
      hidden: 16,
      embedding: 8,
      batch: 4,
      seqLength: 16,
      seed: 2,
    });
    for (let i = 0; i < 20; i++) lstm.step();
    const e = lstm.evaluate();
    assert.ok(e.valLoss > 0 && e.valLoss < 10 && e.characters > 0);
    assert.equal([...lstm.sample(30, 'The ', { temperature: 0.8 })].length, 30);
  });
});

describe('the core is browser-safe', () => {
  it('no file under src/ outside src/cli imports a node: module', () => {
    const root = fileURLToPath(new URL('../src', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'cli') walk(path);
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

import { readCorpus } from '../src/cli/io.js';
import { nodeHost } from '../src/cli/threads.js';
import { initKernels } from '../src/kernels/index.js';
import { ModelTrainer } from '../src/recipe.js';

await initKernels();
const corpus = readCorpus('/work/shared/data/tinyshakespeare.txt');
const configs: Record<string, unknown>[] = JSON.parse(process.argv[2]);
for (const cfg of configs) {
  const t = ModelTrainer.create(corpus, { seed: 1, threads: 2, sampleEvery: 0, ...cfg }, nodeHost);
  t.step();
  t.step();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 6000) {
    t.step();
    n++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${JSON.stringify(cfg)}: ${((n * t.config.batch * t.config.seqLength) / s).toFixed(0)} chars/s, ${(n / s).toFixed(2)} it/s, ${t.model.numParams} params`,
  );
  t.close();
}

// The torch-layout fuzzer: files that exportTorch wrote (every kind, f32 and f64), mutated as the
// checkpoints are (mutate.ts: the container, the header, the metadata, the tensors), then imported with
// importTorch, the way `charrnn import` reads them, and loaded, sampled, saved and loaded again as the
// checkpoint fuzzer does. Every case must import or be refused with one line.
import { importTorch } from '../../src/checkpoint/torch.js';
import { loadAndSample } from './checkpoint.js';
import { MAX_MS, type Target } from './harness.js';
import { mutate } from './mutate.js';
import { seedFiles } from './seeds.js';

export const torchTarget: Target = {
  name: 'torch',
  maxMs: 3 * MAX_MS,
  make(rand) {
    const seed = rand.pick(seedFiles().torch);
    const m = mutate(rand, seed.bytes);
    return {
      mutation: `${seed.name}: ${m.mutation}`,
      inputBytes: m.bytes.length,
      run: () => {
        const ok = loadAndSample(m.bytes, rand, importTorch);
        return { ...ok, category: `imported ${ok.category.replace(/^v2 /, '')}` };
      },
    };
  },
};

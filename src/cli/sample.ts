// `charrnn sample`: loads a checkpoint (or a model in the PyTorch layout) and streams generated text to
// stdout in chunks (Trainer.sample: from the state the checkpoint carries when it trained one stream, else
// from zero).
import { readAnyCheckpoint } from '../checkpoint/interop.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import { readBytes, readText } from '../node/io.js';
import { checkSampleOptions } from '../sampling/sample.js';
import { Trainer } from '../training/trainer.js';

export interface SampleCliOptions {
  length: number;
  prime?: string;
  primeFile?: string;
  temperature: number;
  topK?: number;
  argmax?: boolean;
  seed?: number;
}

const FLUSH_CHARS = 8192;

export async function runSample(path: string, o: SampleCliOptions): Promise<void> {
  const options = {
    temperature: o.temperature,
    ...(o.topK !== undefined ? { topK: o.topK } : {}),
    ...(o.argmax ? { argmax: true } : {}),
  };
  checkSampleOptions(options);
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const bytes = readBytes(path, 'the checkpoint');
  const trainer = Trainer.restore(
    readAnyCheckpoint(bytes, `'${path}'`),
    undefined,
    { threads: 1 },
    `'${path}'`,
  );
  trainer.rng.seed(o.seed ?? globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
  if (o.prime !== undefined && o.primeFile !== undefined) {
    throw new CharrnnError('give --prime or --prime-file, not both', '', 'usage');
  }
  const prime = o.primeFile !== undefined ? readText(o.primeFile, 'the prime file') : (o.prime ?? '');
  const out = process.stdout;
  let closed = false;
  out.on('error', () => {
    closed = true; // e.g. `| head`: the reader went away; stop quietly
  });
  let buffer = prime;
  for (const ch of trainer.sample(o.length, prime, options)) {
    buffer += ch;
    if (buffer.length >= FLUSH_CHARS) {
      if (closed) return;
      if (!out.write(buffer)) await new Promise((resolve) => out.once('drain', resolve));
      buffer = '';
    }
  }
  if (!closed) out.write(`${buffer}\n`);
}

// `charrnn sample`: loads a checkpoint (or a model in the PyTorch layout) and streams generated text to
// stdout in chunks (Trainer.sample: from the state the checkpoint carries when it trained one stream, else
// from zero). With --num-samples N it draws N samples, each from that same state and prime (the RNG goes
// on), separated by a line SAMPLE_SEPARATOR; with --stop a sample ends right after the text first appears
// in what it generated.
import { readAnyCheckpoint } from '../checkpoint/interop.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import { readText } from '../node/io.js';
import { checkSampleOptions, type SampleOptions } from '../sampling/sample.js';
import { Trainer } from '../training/trainer.js';
import { readModelFile } from './inputs.js';
import { stdoutFailed, writeStdout } from './output.js';

export interface SampleCliOptions {
  length: number;
  prime?: string;
  primeFile?: string;
  temperature: number;
  topK?: number;
  topP?: number;
  argmax?: boolean;
  seed?: number;
  numSamples: number;
  stop?: string;
}

/** The line between two samples (each sample ends with a newline, then this line follows). */
export const SAMPLE_SEPARATOR = '----';

const FLUSH_CHARS = 8192;

export async function runSample(path: string, o: SampleCliOptions): Promise<void> {
  const options: SampleOptions = {
    temperature: o.temperature,
    ...(o.topK !== undefined ? { topK: o.topK } : {}),
    ...(o.topP !== undefined ? { topP: o.topP } : {}),
    ...(o.argmax ? { argmax: true } : {}),
  };
  checkSampleOptions(options);
  if (o.stop === '') throw new CharrnnError('--stop needs a text to stop after', '', 'usage');
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const { bytes, name } = await readModelFile(path, 'the checkpoint');
  const trainer = Trainer.restore(readAnyCheckpoint(bytes, name), undefined, { threads: 1 }, name);
  trainer.rng.seed(o.seed ?? globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
  if (o.prime !== undefined && o.primeFile !== undefined) {
    throw new CharrnnError('give --prime or --prime-file, not both', '', 'usage');
  }
  const prime = o.primeFile !== undefined ? readText(o.primeFile, 'the prime file') : (o.prime ?? '');
  if (o.stop !== undefined) trainer.vocab.encode(o.stop, 'the --stop text'); // one that can never appear
  let buffer = '';
  const flush = async () => {
    await writeStdout(buffer);
    buffer = '';
  };
  for (let n = 0; n < o.numSamples; n++) {
    buffer += n > 0 ? `${SAMPLE_SEPARATOR}\n${prime}` : prime;
    let tail = ''; // the last characters generated, as many UTF-16 units as the stop text has
    for (const ch of trainer.sample(o.length, prime, options)) {
      buffer += ch;
      if (o.stop !== undefined) {
        tail = (tail + ch).slice(-o.stop.length);
        if (tail === o.stop) break;
      }
      if (buffer.length >= FLUSH_CHARS) {
        await flush();
        if (stdoutFailed()) return; // e.g. `| head`: the reader went away (main.ts says how it ended)
      }
    }
    buffer += '\n';
  }
  await flush();
}

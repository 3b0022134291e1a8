// `charrnn eval CKPT FILE`: the loss of a model on a text, in nats and bits per character, over every
// character after the first, as one stream (Trainer.score), of a checkpoint or a model in the PyTorch layout.
import { readAnyCheckpoint } from '../checkpoint/interop.js';
import { initKernels } from '../kernels/index.js';
import { readBytes, readCorpus } from '../node/io.js';
import { Trainer } from '../training/trainer.js';

export async function runEval(checkpoint: string, file: string): Promise<void> {
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const bytes = readBytes(checkpoint, 'the checkpoint');
  const trainer = Trainer.restore(
    readAnyCheckpoint(bytes, `'${checkpoint}'`),
    undefined,
    { threads: 1 },
    `'${checkpoint}'`,
  );
  const r = trainer.score(readCorpus(file));
  process.stdout.write(
    `loss ${r.valLoss.toFixed(4)} nats/char, ${r.valBits.toFixed(4)} bits/char over ${r.characters} characters of '${file}'\n`,
  );
}

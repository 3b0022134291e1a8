// `charrnn eval CKPT FILE...`: the loss of a model on texts, in nats and bits per character, over every
// character after the first, as one stream (Trainer.score), of a checkpoint or a model in the PyTorch layout.
// Several texts (files, folders, `-`, catalog names) are joined with the document separator U+001E, as
// training joins them, when the model knows that symbol; a model that never saw it scores them back to back.
import { readAnyCheckpoint } from '../checkpoint/interop.js';
import { CharrnnError } from '../errors.js';
import { initKernels } from '../kernels/index.js';
import { DOCUMENT_SEPARATOR } from '../node/io.js';
import { Trainer } from '../training/trainer.js';
import { describeInputs, readInputs, readModelFile } from './inputs.js';
import { writeStdout } from './output.js';

export async function runEval(checkpoint: string, files: string[]): Promise<void> {
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  if (checkpoint === '-' && files.includes('-')) {
    throw new CharrnnError(
      "'-' (standard input) is given as both the checkpoint and a text",
      'it can be read only once: give one of them as a file',
      'usage',
    );
  }
  const { bytes, name } = await readModelFile(checkpoint, 'the checkpoint');
  const trainer = Trainer.restore(readAnyCheckpoint(bytes, name), undefined, { threads: 1 }, name);
  const info = (line: string) => process.stderr.write(`charrnn: ${line}\n`);
  const separator = trainer.vocab.id(DOCUMENT_SEPARATOR) !== undefined;
  const { corpus, documents } = await readInputs(files, undefined, { separator, info });
  if (documents > 1 && !separator) {
    info(
      'the model has no document separator (U+001E) in its vocabulary (it never saw two texts joined): ' +
        'the texts are scored back to back',
    );
  }
  const r = trainer.score(corpus);
  await writeStdout(
    `loss ${r.valLoss.toFixed(4)} nats/char, ${r.valBits.toFixed(4)} bits/char over ${r.characters} character${r.characters === 1 ? '' : 's'} of ` +
      `${describeInputs(files)}${documents > 1 ? ` (${documents} documents)` : ''}\n`,
  );
}

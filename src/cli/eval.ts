// `charrnn eval CKPT FILE`: the loss of a model on a text, in nats and bits per character.
import { initKernels } from '../kernels/index.js';
import { RnnSequenceModel } from '../models/rnn.js';
import { evaluateText, isRecipeCheckpoint, ModelTrainer } from '../recipe.js';
import { Trainer } from '../train.js';
import { readBytes, readCorpus } from './io.js';

export async function runEval(checkpoint: string, file: string): Promise<void> {
  await initKernels({ relaxed: process.env.CHARRNN_RELAXED_SIMD !== '0' });
  const bytes = readBytes(checkpoint, 'the checkpoint');
  const what = `'${checkpoint}'`;
  const corpus = readCorpus(file);
  let result: ReturnType<typeof evaluateText>;
  if (isRecipeCheckpoint(bytes)) {
    const t = ModelTrainer.fromCheckpoint(bytes, undefined, {}, what);
    result = evaluateText(t.model, corpus, t.vocab);
  } else {
    const t = Trainer.fromCheckpoint(bytes, undefined, {}, what);
    const { hidden, seqLength, dtype, backend } = t.config;
    const m = new RnnSequenceModel(hidden, t.vocab.size, seqLength, dtype, backend);
    m.theta.set(t.model.theta);
    result = evaluateText(m, corpus, t.vocab);
  }
  process.stdout.write(
    `loss ${result.valLoss.toFixed(4)} nats/char, ${result.valBits.toFixed(4)} bits/char over ${result.characters} characters of '${file}'\n`,
  );
}

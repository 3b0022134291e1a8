#!/usr/bin/env node
// The charrnn command line: `charrnn train [FILE]` and `charrnn sample CKPT`. Parses options with
// commander, maps them onto the core's typed config, and turns every user error into one line on stderr
// with a non-zero exit (2 for usage errors), never a stack trace.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CharrnnError } from '../errors.js';
import { PRESETS } from '../presets.js';
import { runEval } from './eval.js';
import { runSample, type SampleCliOptions } from './sample.js';
import { runTrain, type TrainCliOptions } from './train.js';

// The kernels prefer WebAssembly relaxed-simd (fused multiply-add). V8 ships it from 11.4 on; Node 20's
// V8 11.3 has it behind a flag, which must be set before the module is compiled (it is process-wide, so
// worker threads get it too). CHARRNN_RELAXED_SIMD=0 keeps the plain SIMD build.
const [v8Major, v8Minor] = process.versions.v8.split('.').map(Number);
if (process.env.CHARRNN_RELAXED_SIMD !== '0' && (v8Major < 11 || (v8Major === 11 && v8Minor < 4))) {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    }
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number > 0');
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a number >= 0');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n < 1))
    throw new InvalidArgumentError('expected a number from 0 to below 1');
  return n;
}

function seedValue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new InvalidArgumentError('expected an integer from 0 to 4294967295');
  }
  return n;
}

const program = new Command()
  .name('charrnn')
  .description('Character-level recurrent language models: train on any text, sample new text.')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({
    outputError: (text, write) =>
      write(
        `charrnn: ${text
          .replace(/^error: /, '')
          .trim()
          .replace(/\s*\n\s*/g, ' ')}; see --help\n`,
      ),
  });

program
  .command('train')
  .description(
    "Train on a UTF-8 text file. The default preset is the seed's vanilla RNN (min-char-rnn), printing a " +
      'sample and the smooth loss every 1000 iterations exactly as the seed does; --preset char-lstm (or any ' +
      'of --model, --layers, --batch, --optimizer...) trains an LSTM/GRU recipe with validation.',
  )
  .argument('[file]', 'UTF-8 text to learn from (default: the built-in corpus, this project’s own text)')
  .option(
    '--preset <name>',
    `named configuration: ${PRESETS.map((p) => p.name).join(', ')} (default: min-char-rnn)`,
  )
  .addOption(
    new Option('--model <type>', 'cell: rnn (the seed), lstm or gru').choices(['rnn', 'lstm', 'gru']),
  )
  .option('--layers <n>', 'stacked recurrent layers (recipes: 2)', integer(1))
  .option('--hidden <n>', 'hidden units per layer (seed: 100; recipes: 256)', integer(1))
  .option('--embedding <n>', 'learned input embedding size, 0 for one-hot input (recipes: 64)', integer(0))
  .option('--dropout <p>', 'dropout on each layer output in training (recipes: 0)', fraction)
  .option('--batch <n>', 'parallel streams per minibatch (recipes: 32)', integer(1))
  .option('--seq-length <n>', 'characters per BPTT window (seed: 25; recipes: 64)', integer(1))
  .addOption(
    new Option('--optimizer <name>', 'update rule (seed: adagrad; recipes: adam)').choices([
      'adagrad',
      'rmsprop',
      'adam',
      'adamw',
    ]),
  )
  .option('--lr <x>', 'learning rate (seed: 0.1; recipes: 0.002)', positive)
  .option('--clip <x>', 'clip every gradient element to [-x, x] (seed: 5)', positive)
  .option('--clip-norm <x>', 'clip the gradient to this global L2 norm (recipes: 5)', positive)
  .option('--weight-decay <x>', 'AdamW decoupled weight decay (0.01)', nonNegative)
  .addOption(
    new Option('--schedule <kind>', 'learning-rate schedule (constant)').choices([
      'constant',
      'cosine',
      'step',
    ]),
  )
  .option('--warmup <n>', 'iterations of linear learning-rate warmup (0)', integer(0))
  .option('--lr-floor <f>', 'where the decay ends, as a fraction of --lr (0.1)', fraction)
  .option(
    '--decay-iters <n>',
    'cosine decay length in iterations (default: --time-limit, else --iters)',
    integer(0),
  )
  .option(
    '--val-fraction <f>',
    'the last fraction of the text held out for validation (recipes: 0.1; seed: 0)',
    fraction,
  )
  .option(
    '--eval-every <n>',
    'evaluate on the validation split every n iterations (recipes: 500)',
    integer(1),
  )
  .option(
    '--time-limit <s>',
    'train for this many seconds of training time, then save and evaluate',
    positive,
  )
  .option('--threads <n>', 'threads sharing each minibatch (recipes: 2 where there are 2 cores)', integer(1))
  .option('--seed <n>', 'numpy-compatible RNG seed (default: random)', seedValue)
  .option(
    '--iters <n>',
    'stop after this many iterations in total, resumed ones included (default: run until Ctrl-C)',
    integer(0),
  )
  .option('--sample-every <n>', 'sample every n iterations, 0: never (seed: 1000; recipes: 500)', integer(0))
  .option('--sample-length <n>', 'characters per sample (200)', integer(0))
  .option(
    '--log-every <n>',
    "print 'iter N, loss: X' every n iterations (default: as --sample-every, or 1000)",
    integer(1),
  )
  .option('--log-file <path>', 'append one JSON object per logged iteration (JSON Lines)')
  .option(
    '--save <path>',
    'checkpoint file to write at the end and on Ctrl-C (default with --resume: that file)',
  )
  .option('--save-every <n>', 'also save every n iterations', integer(1))
  .option('--resume <path>', 'continue from a checkpoint, exactly where it stopped')
  .addOption(
    new Option('--dtype <type>', 'float precision: f32 is fastest, f64 matches numpy').choices([
      'f32',
      'f64',
    ]),
  )
  .addOption(
    new Option('--backend <name>', 'kernels: wasm (SIMD) or ref (plain TypeScript)').choices(['wasm', 'ref']),
  )
  .option('--quiet', 'no progress line or status lines on stderr')
  .action(async (file: string | undefined, options: TrainCliOptions) => {
    await runTrain(file, options);
  });

program
  .command('eval')
  .description('Print the loss of a model on a text file, in nats and bits per character.')
  .argument('<checkpoint>', 'a checkpoint written by charrnn train')
  .argument('<file>', 'UTF-8 text to score')
  .action(async (checkpoint: string, file: string) => {
    await runEval(checkpoint, file);
  });

program
  .command('sample')
  .description('Generate text from a checkpoint, streamed to stdout.')
  .argument('<checkpoint>', 'a checkpoint written by charrnn train --save (or the web page)')
  .option('--length <n>', 'characters to generate', integer(0), 1000)
  .option('--prime <text>', 'text to start from (its characters must be in the vocabulary)')
  .option('--prime-file <path>', 'read the prime text from a UTF-8 file')
  .option('--temperature <t>', 'below 1: safer, above 1: wilder', positive, 1)
  .option('--top-k <k>', 'draw only from the k most likely characters', integer(1))
  .option('--argmax', 'always take the most likely character')
  .option('--seed <n>', 'RNG seed for reproducible samples (default: random)', seedValue)
  .action(async (checkpoint: string, options: SampleCliOptions) => {
    await runSample(checkpoint, options);
  });

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every parse error has already been printed as one line
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CharrnnError) {
      process.stderr.write(`charrnn: ${e.line}\n`);
      return e.kind === 'usage' ? 2 : 1;
    }
    process.stderr.write(`charrnn: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

process.exitCode = await main();

#!/usr/bin/env node
// The charrnn command line: `train`, `sample`, `eval`, `info`, `download`, `export` and `import`. The options of `train` are
// made from the core's table of settings (training/config.ts), so their names, ranges and choices are the
// core's; commander parses them, and every user error becomes one line on stderr with a non-zero exit (2
// for usage errors), never a stack trace.
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS } from '../checkpoint/interop.js';
import { CharrnnError } from '../errors.js';
import { OPTIONS, parseOption } from '../training/config.js';
import { findPreset, PRESET_NAMES } from '../training/presets.js';
import { type ExportCliOptions, runExport, runImport } from './convert.js';
import { type DownloadCliOptions, runDownload } from './download.js';
import { runEval } from './eval.js';
import { runInfo } from './info.js';
import { finishStdout, stdoutSettled, writeStdout } from './output.js';
import { runSample, type SampleCliOptions } from './sample.js';
import { runTrain, type TrainCliOptions } from './train.js';

// The kernels prefer WebAssembly relaxed-simd (fused multiply-add). V8 ships it from 11.4 on; Node 20's
// V8 11.3 has it behind a flag, which must be set before the module is compiled (it is process-wide, so
// worker threads get it too). CHARRNN_RELAXED_SIMD=0 keeps the plain SIMD build.
const [v8Major, v8Minor] = process.versions.v8.split('.').map(Number);
if (process.env.CHARRNN_RELAXED_SIMD !== '0' && (v8Major < 11 || (v8Major === 11 && v8Minor < 4))) {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
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

/** A temperature: > 0 (0, which some tools take for greedy decoding, is --argmax here). */
function temperature(value: string): number {
  if (Number(value) === 0 && value.trim() !== '')
    throw new InvalidArgumentError(
      'expected a number > 0 (for the most likely character every time: --argmax)',
    );
  return positive(value);
}

function probability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1))
    throw new InvalidArgumentError('expected a number > 0 and <= 1');
  return n;
}

/** A commander parser for a setting of the core's table: its checks, its one-line message. */
function setting(key: (typeof OPTIONS)[number]['key']) {
  return (value: string) => {
    try {
      return parseOption(key, value);
    } catch (e) {
      throw e instanceof CharrnnError ? new InvalidArgumentError(e.message) : e;
    }
  };
}

const program = new Command()
  .name('charrnn')
  .description('Character-level recurrent language models: train on any text, sample new text.')
  .version('0.2.0')
  .exitOverride()
  .configureOutput({
    writeOut: (text) => {
      void writeStdout(text); // --help, --version: a failed write is reported as any command's is
    },
    outputError: (text, write) =>
      write(
        `charrnn: ${text
          .replace(/^error: /, '')
          .replace(
            /^option '(--[\w-]+)[^']*' argument '([^']*)' is invalid\. (.*)$/s,
            (_m, flag, arg, why) => (why.startsWith(flag) ? why : `${flag} ${arg}: ${why}`),
          )
          .trim()
          .replace(/\s*\n\s*/g, ' ')}; see --help\n`,
      ),
  });

const train = program
  .command('train')
  .description(
    'Train on UTF-8 text: files, folders of files (recursively, sorted), - for standard input, or a catalog ' +
      'name (see charrnn download); several texts are joined with the separator U+001E. ' +
      "The default preset is the seed's vanilla RNN (min-char-rnn), printing a " +
      'sample and the smooth loss every 1000 iterations exactly as the seed does. --model lstm or gru ' +
      'starts from the char-lstm or char-gru preset instead; any option given overrides the preset.',
  )
  .argument(
    '[file...]',
    'UTF-8 texts to learn from: files, folders, - or catalog names (default: the built-in corpus, this project’s own text)',
  )
  .addOption(
    new Option(
      '--preset <name>',
      `named configuration, default: by --model (choices: ${PRESET_NAMES.join(', ')})`,
    ).argParser((name) => {
      if (!findPreset(name)) {
        throw new InvalidArgumentError(
          `--preset '${name}' is not a preset; choose one of: ${PRESET_NAMES.join(', ')}`,
        );
      }
      return name;
    }),
  );
for (const spec of OPTIONS) {
  if (!spec.flag) continue;
  const help = spec.type === 'choice' ? `${spec.help} (choices: ${spec.choices!.join(', ')})` : spec.help;
  train.addOption(new Option(`${spec.flag} ${spec.arg}`, help).argParser(setting(spec.key)));
}
train
  .option(
    '--log-every <n>',
    "print 'iter N, loss: X' every n iterations (default: as --sample-every, or 1000)",
    integer(1),
  )
  .option('--log-file <path>', 'append one JSON object per logged iteration and evaluation (JSON Lines)')
  .option(
    '--save <path>',
    'checkpoint file, written at the end, on Ctrl-C and every --save-every (default with --resume: that file)',
  )
  .option('--resume <path>', 'continue from a checkpoint, exactly where it stopped')
  .option(
    '--val-file <paths...>',
    'hold out these texts (files, folders, - or catalog names) for validation instead of the last --val-fraction',
  )
  .option('--quiet', 'no progress line or status lines on stderr')
  .action(async (files: string[], options: TrainCliOptions) => {
    await runTrain(files, options);
  });

program
  .command('eval')
  .description(
    'Print the loss of a model on texts, in nats and bits per character: every character after the ' +
      'first, as one stream (from the state the checkpoint carries when it trained one stream, else from zero); ' +
      'several texts are joined with U+001E when the model knows it.',
  )
  .argument('<checkpoint>', 'a checkpoint written by charrnn train; - reads standard input')
  .argument('<file...>', 'UTF-8 texts to score: files, folders, - or catalog names')
  .action(async (checkpoint: string, files: string[]) => {
    await runEval(checkpoint, files);
  });

program
  .command('download')
  .description(
    'Download a text of the catalog by name into the cache ($XDG_CACHE_HOME/charrnn, else ~/.cache/charrnn; ' +
      'CHARRNN_MIRROR=URL fetches <URL>/<name>.txt instead), checking its SHA-256, and print its path; ' +
      'without NAME, list the catalog. --url URL -o FILE downloads any text.',
  )
  .argument('[name]', 'a name from the catalog')
  .option('--url <url>', 'download this address instead of a catalog text (needs -o)')
  .option('--sha256 <hex>', 'with --url: the SHA-256 the file must have')
  .option('-o, --output <file>', 'where to write the text (default for a catalog text: the cache)')
  .option('--timeout <seconds>', 'give up after this many seconds without data', positive)
  .action(async (name: string | undefined, options: DownloadCliOptions) => {
    await runDownload(name, options);
  });

program
  .command('sample')
  .description('Generate text from a checkpoint, streamed to stdout.')
  .argument(
    '<checkpoint>',
    'a checkpoint written by charrnn train --save (or the web page); - reads standard input',
  )
  .option('--length <n>', 'characters to generate', integer(0, 1e9), 1000)
  .option('--prime <text>', 'text to start from (its characters must be in the vocabulary)')
  .option('--prime-file <path>', 'read the prime text from a UTF-8 file')
  .option('--temperature <t>', 'below 1: safer, above 1: wilder', temperature, 1)
  .option('--top-k <k>', 'draw only from the k most likely characters', integer(1))
  .option(
    '--top-p <p>',
    'draw only from the fewest most likely characters whose probability reaches p (after --top-k)',
    probability,
  )
  .option('--argmax', 'always take the most likely character')
  .option('--seed <n>', 'RNG seed for reproducible samples (default: random)', integer(0, 0xffffffff))
  .option(
    '--num-samples <n>',
    "samples to draw, each from the same start, separated by a line '----'",
    integer(1, 1e6),
    1,
  )
  .option('--stop <text>', 'end a sample right after this text first appears in what it generated')
  .action(async (checkpoint: string, options: SampleCliOptions) => {
    await runSample(checkpoint, options);
  });

program
  .command('info')
  .description(
    'Show what a checkpoint holds: the model, its parameter count, the vocabulary, iterations, training time, ' +
      'the best validation loss and the configuration (any checkpoint charrnn reads, or the PyTorch layout).',
  )
  .argument(
    '<checkpoint>',
    'a checkpoint written by charrnn train (or the web page, or charrnn export --format torch); - reads standard input',
  )
  .option('--json', 'print it as one JSON object')
  .action(async (checkpoint: string, options: { json?: boolean }) => {
    await runInfo(checkpoint, options);
  });

program
  .command('export')
  .description(
    "Write a checkpoint's model for another framework: --format torch is a safetensors file of the state_dict " +
      'of interop/pytorch/charrnn_torch.py (F32, or F64 for an f64 model); onnx is an ONNX model.',
  )
  .argument('<checkpoint>', 'a checkpoint written by charrnn train (or the web page); - reads standard input')
  .addOption(
    new Option(
      '--format <format>',
      `${EXPORT_FORMAT_NAMES.map((f) => `${f}: ${EXPORT_FORMATS[f].title}`).join('; ')} ` +
        "(default: the one -o's name ends in, .onnx or .safetensors)",
    ).argParser((format) => {
      if (!(EXPORT_FORMAT_NAMES as string[]).includes(format)) {
        throw new InvalidArgumentError(
          `--format '${format}' is not a format; choose one of: ${EXPORT_FORMAT_NAMES.join(', ')}`,
        );
      }
      return format;
    }),
  )
  .requiredOption('-o, --output <file>', 'the file to write')
  .action(async (checkpoint: string, options: ExportCliOptions) => {
    await runExport(checkpoint, options);
  });

program
  .command('import')
  .description(
    'Make a charrnn checkpoint of a model in the PyTorch layout (charrnn export --format torch, or ' +
      "interop/pytorch's save): iteration 0, the cell's default preset with the file's sizes, ready to sample, " +
      'eval or train --resume.',
  )
  .argument(
    '<file>',
    'a .safetensors file in the PyTorch layout (metadata vocab required); - reads standard input',
  )
  .requiredOption('-o, --output <checkpoint>', 'the checkpoint to write')
  .action(async (file: string, options: { output: string }) => {
    await runImport(file, options);
  });

async function main(): Promise<number> {
  try {
    try {
      await program.parseAsync(process.argv);
    } catch (e) {
      // help and version end with an exit code of 0; every parse error has already been printed as one line
      if (!(e instanceof CommanderError)) throw e;
      if (e.exitCode !== 0) return 2;
    }
    await stdoutSettled();
    finishStdout();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CharrnnError) {
      process.stderr.write(`charrnn: ${e.line}\n`);
      return e.kind === 'usage' ? 2 : 1;
    }
    process.stderr.write(`charrnn: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 70;
  }
}

// Standard error that cannot be written (its reader went away: `2>&1 | head`, or no space) has no one to
// tell: its lines are dropped, and the command ends as it would have, not with an uncaught 'error' event
// (exit 1, its stack written nowhere). A closed standard output still ends it with 141 (output.ts, train.ts).
process.stderr.on('error', () => undefined);
process.exitCode = await main();

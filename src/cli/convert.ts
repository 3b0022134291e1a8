// `charrnn export CKPT --format torch|onnx -o FILE` and `charrnn import FILE -o CKPT`: a model out to
// PyTorch or ONNX, and a model in the PyTorch layout (charrnn's export, or interop/pytorch's training)
// back as a charrnn checkpoint to sample, evaluate or train on. The formats are the core's
// (checkpoint/interop.ts); this file reads and writes the files.

import { statSync } from 'node:fs';
import { writeCheckpoint } from '../checkpoint/format.js';
import { EXPORT_FORMATS, type ExportFormatName, readAnyCheckpoint } from '../checkpoint/interop.js';
import { importTorch } from '../checkpoint/torch.js';
import { CharrnnError } from '../errors.js';
import { readBytes, writeFileAtomic } from '../node/io.js';
import { defaultPreset } from '../training/presets.js';

/**
 * Refuses an output that is the input file itself (by any path): the export or import would replace the
 * file it was made from, a training checkpoint's optimizer state and progress or a PyTorch file, with a
 * file of another kind.
 */
function notTheInput(input: string, output: string, what: string): void {
  const stat = (path: string) => {
    try {
      return statSync(path);
    } catch {
      return undefined; // an output that does not exist yet; an input that cannot be read fails later
    }
  };
  const a = stat(input);
  const b = stat(output);
  if (a && b && a.dev === b.dev && a.ino === b.ino) {
    throw new CharrnnError(
      `-o '${output}' is ${what} '${input}' itself, which the output would replace`,
      'give -o another file',
      'usage',
    );
  }
}

export interface ExportCliOptions {
  format: ExportFormatName;
  output: string;
}

export function runExport(checkpoint: string, o: ExportCliOptions): void {
  notTheInput(checkpoint, o.output, 'the checkpoint');
  const ck = readAnyCheckpoint(readBytes(checkpoint, 'the checkpoint'), `'${checkpoint}'`);
  writeFileAtomic(o.output, EXPORT_FORMATS[o.format].write(ck), `the ${o.format} export`);
  process.stderr.write(
    `charrnn: wrote '${o.output}' (${o.format}): the ${ck.config.model} of '${checkpoint}'\n`,
  );
}

export function runImport(file: string, o: { output: string }): void {
  notTheInput(file, o.output, 'the torch file');
  const ck = importTorch(readBytes(file, 'the torch file'), `'${file}'`);
  writeFileAtomic(o.output, writeCheckpoint(ck));
  const c = ck.config;
  process.stderr.write(
    `charrnn: wrote '${o.output}': ${c.model} ${c.layers}x${c.hidden}` +
      `${c.embedding > 0 ? `, embedding ${c.embedding}` : ', one-hot input'}, ${ck.vocab.size} symbols, ` +
      `${c.dtype}; training settings of the ${defaultPreset(c.model).name} preset\n`,
  );
}

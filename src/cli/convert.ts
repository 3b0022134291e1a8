// `charrnn export CKPT --format torch|onnx -o FILE` and `charrnn import FILE -o CKPT`: a model out to
// PyTorch or ONNX, and a model in the PyTorch layout (charrnn's export, or interop/pytorch's training)
// back as a charrnn checkpoint to sample, evaluate or train on. The formats are the core's
// (checkpoint/interop.ts); this file reads and writes the files.

import { writeCheckpoint } from '../checkpoint/format.js';
import { EXPORT_FORMATS, type ExportFormatName, readAnyCheckpoint } from '../checkpoint/interop.js';
import { importTorch } from '../checkpoint/torch.js';
import { CharrnnError } from '../errors.js';
import { readBytes, sameFile, writeFileAtomic } from '../node/io.js';
import { defaultPreset } from '../training/presets.js';

export interface ExportCliOptions {
  format: ExportFormatName;
  output: string;
}

/** -o must not be the file read: writing the other format over it would lose what only it holds. */
function checkOutput(input: string, output: string, what: string): void {
  if (sameFile(input, output)) {
    throw new CharrnnError(
      `-o '${output}' is ${what} '${input}' itself: writing it would replace it`,
      'give -o another path',
      'usage',
    );
  }
}

export function runExport(checkpoint: string, o: ExportCliOptions): void {
  checkOutput(checkpoint, o.output, 'the checkpoint');
  const ck = readAnyCheckpoint(readBytes(checkpoint, 'the checkpoint'), `'${checkpoint}'`);
  writeFileAtomic(o.output, EXPORT_FORMATS[o.format].write(ck), `the ${o.format} export`);
  process.stderr.write(
    `charrnn: wrote '${o.output}' (${o.format}): the ${ck.config.model} of '${checkpoint}'\n`,
  );
}

export function runImport(file: string, o: { output: string }): void {
  checkOutput(file, o.output, 'the torch file');
  const ck = importTorch(readBytes(file, 'the torch file'), `'${file}'`);
  writeFileAtomic(o.output, writeCheckpoint(ck));
  const c = ck.config;
  process.stderr.write(
    `charrnn: wrote '${o.output}': ${c.model} ${c.layers}x${c.hidden}` +
      `${c.embedding > 0 ? `, embedding ${c.embedding}` : ', one-hot input'}, ${ck.vocab.size} symbol${ck.vocab.size === 1 ? '' : 's'}, ` +
      `${c.dtype}; training settings of the ${defaultPreset(c.model).name} preset\n`,
  );
}

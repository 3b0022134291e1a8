// `charrnn export CKPT [--format torch|onnx] -o FILE` and `charrnn import FILE -o CKPT`: a model out to
// PyTorch or ONNX, and a model in the PyTorch layout (charrnn's export, or interop/pytorch's training)
// back as a charrnn checkpoint to sample, evaluate or train on. The formats are the core's
// (checkpoint/interop.ts); this file reads and writes the files.

import { writeCheckpoint } from '../checkpoint/format.js';
import {
  EXPORT_FORMAT_NAMES,
  EXPORT_FORMATS,
  type ExportFormatName,
  readAnyCheckpoint,
} from '../checkpoint/interop.js';
import { importTorch } from '../checkpoint/torch.js';
import { CharrnnError } from '../errors.js';
import { sameFile, writeFileAtomic } from '../node/io.js';
import { defaultPreset } from '../training/presets.js';
import { readModelFile } from './inputs.js';

export interface ExportCliOptions {
  /** when absent, the one -o's name ends as (.onnx, .safetensors) */
  format?: ExportFormatName;
  output: string;
}

/** The format an -o name asks for by how it ends (`.onnx`; `.safetensors`, as `.torch.safetensors`). */
function formatOfName(output: string): ExportFormatName | undefined {
  const name = output.toLowerCase();
  if (name.endsWith('.onnx')) return 'onnx';
  if (name.endsWith('.safetensors')) return 'torch';
  return undefined;
}

/** --format, or the one -o's name says; a usage error when neither says, or they disagree. */
function exportFormat(o: ExportCliOptions): ExportFormatName {
  const named = formatOfName(o.output);
  const choices = EXPORT_FORMAT_NAMES.join(' or ');
  if (o.format === undefined) {
    if (named) return named;
    throw new CharrnnError(
      `no --format, and -o '${o.output}' ends in neither .onnx nor .safetensors`,
      `give --format ${choices}`,
      'usage',
    );
  }
  if (named && named !== o.format) {
    throw new CharrnnError(
      `--format ${o.format} contradicts -o '${o.output}', whose name says ${named}`,
      `give -o a name ending in ${EXPORT_FORMATS[o.format].extension}, or --format ${named}`,
      'usage',
    );
  }
  return o.format;
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

export async function runExport(checkpoint: string, o: ExportCliOptions): Promise<void> {
  const format = exportFormat(o);
  checkOutput(checkpoint, o.output, 'the checkpoint');
  const { bytes, name } = await readModelFile(checkpoint, 'the checkpoint');
  const ck = readAnyCheckpoint(bytes, name);
  writeFileAtomic(o.output, EXPORT_FORMATS[format].write(ck), `the ${format} export`);
  process.stderr.write(`charrnn: wrote '${o.output}' (${format}): the ${ck.config.model} of ${name}\n`);
}

export async function runImport(file: string, o: { output: string }): Promise<void> {
  checkOutput(file, o.output, 'the torch file');
  const { bytes, name } = await readModelFile(file, 'the torch file');
  const ck = importTorch(bytes, name);
  writeFileAtomic(o.output, writeCheckpoint(ck));
  const c = ck.config;
  process.stderr.write(
    `charrnn: wrote '${o.output}': ${c.model} ${c.layers}x${c.hidden}` +
      `${c.embedding > 0 ? `, embedding ${c.embedding}` : ', one-hot input'}, ${ck.vocab.size} symbol${ck.vocab.size === 1 ? '' : 's'}, ` +
      `${c.dtype}; training settings of the ${defaultPreset(c.model).name} preset\n`,
  );
}

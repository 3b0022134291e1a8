// What charrnn reads and writes besides its own checkpoints: a file in either layout (a charrnn
// checkpoint, or the PyTorch layout of torch.ts, told apart by its metadata) read as one Checkpoint, and
// the exporters by name, for the CLI's `export --format` and the page's export buttons.
import { CharrnnError } from '../errors.js';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from './format.js';
import { exportOnnx } from './onnx.js';
import { decodeSafetensors, type SafeTensors } from './safetensors.js';
import { dtypeHint, exportTorch, isTorchLayout, torchCheckpoint } from './torch.js';

/**
 * The container of either layout. A tensor dtype it does not read (F16, BF16, I64) comes from PyTorch, so
 * the line says what to do there, as the import's does.
 */
function decode(bytes: Uint8Array, what: string): SafeTensors {
  try {
    return decodeSafetensors(bytes, what);
  } catch (e) {
    const prefix = `${what} is not a valid charrnn checkpoint: `;
    const hint =
      e instanceof CharrnnError && e.message.startsWith(prefix) && dtypeHint(e.message.slice(prefix.length));
    if (hint) throw new CharrnnError((e as CharrnnError).message, hint);
    throw e;
  }
}

/** Which layout a file is in: a charrnn checkpoint, or the PyTorch layout; `what` names it in errors. */
export function layoutOf(bytes: Uint8Array, what = 'the checkpoint'): 'charrnn' | 'torch' {
  return isTorchLayout(decode(bytes, what)) ? 'torch' : 'charrnn';
}

/** A charrnn checkpoint (any version) or a file in the PyTorch layout; `what` names it in errors. */
export function readAnyCheckpoint(bytes: Uint8Array, what = 'the checkpoint'): Checkpoint {
  const st = decode(bytes, what);
  return isTorchLayout(st) ? torchCheckpoint(st, what) : readCheckpoint(bytes, what);
}

/**
 * The bytes of a charrnn checkpoint for a file in either layout: a checkpoint as it is, a PyTorch-layout
 * file imported (what `charrnn import` writes). Read it with `readCheckpoint` or `Trainer.fromCheckpoint`.
 */
export function checkpointBytes(bytes: Uint8Array, what = 'the checkpoint'): Uint8Array {
  const st = decode(bytes, what);
  return isTorchLayout(st) ? writeCheckpoint(torchCheckpoint(st, what)) : bytes;
}

export interface ExportFormat {
  /** the model of a checkpoint, as the file's bytes */
  write: (ck: Checkpoint) => Uint8Array;
  /** how such a file's name ends */
  extension: string;
  /** for help texts and buttons */
  title: string;
}

export const EXPORT_FORMATS = {
  torch: {
    write: (ck) => exportTorch(ck),
    extension: '.torch.safetensors',
    title: 'PyTorch (a safetensors state_dict of interop/pytorch/charrnn_torch.py)',
  },
  onnx: { write: (ck) => exportOnnx(ck), extension: '.onnx', title: 'ONNX' },
} as const satisfies Record<string, ExportFormat>;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormatName[];

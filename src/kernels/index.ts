// Backend selection: the WebAssembly SIMD kernels where the engine has them, the plain TypeScript
// reference otherwise (feature detection, the plain path kept in the else).
import { CharrnnError } from '../errors.js';
import { RefKernels } from './ref.js';
import type { BackendName, Dtype, Kernels } from './types.js';
import { createWasmKernels, initWasm, type WasmOptions, wasmAvailable } from './wasm.js';

export { RefKernels } from './ref.js';
export type { BackendName, Dtype, FloatArray, Kernels } from './types.js';
export { MAX_CAPACITY_BYTES, type WasmOptions, wasmAvailable, wasmRelaxed } from './wasm.js';

/**
 * Compiles the WebAssembly module once (async, so it works on a browser's main thread too): the
 * relaxed-simd build (fused multiply-add) where the engine has it, else plain SIMD; false: no wasm.
 */
export async function initKernels(options: WasmOptions = {}): Promise<boolean> {
  return initWasm(options);
}

export interface KernelOptions {
  /** 'wasm' needs `await initKernels()` first; default: 'wasm' when available, else 'ref'. */
  backend?: BackendName;
  dtype: Dtype;
  /** Bytes this instance will `alloc` (see `bytesFor`); the wasm memory is sized once, never grown. */
  capacityBytes: number;
}

export function createKernels(options: KernelOptions): Kernels {
  const backend = options.backend ?? (wasmAvailable() ? 'wasm' : 'ref');
  if (backend === 'wasm') {
    if (!wasmAvailable()) {
      throw new CharrnnError(
        'the wasm backend is not available: its kernels are compiled by initKernels(), which has not succeeded',
        'await initKernels() first (false: this engine has no WebAssembly SIMD), or use the ref backend',
        'usage',
      );
    }
    return createWasmKernels(options.dtype, options.capacityBytes);
  }
  return new RefKernels(options.dtype);
}

/** Bytes to reserve for `alloc(n)` of each float size and `allocInt32(n)` of each int size (16-byte aligned). */
export function bytesFor(dtype: Dtype, floats: readonly number[], int32s: readonly number[] = []): number {
  const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
  const width = dtype === 'f64' ? 8 : 4;
  let total = 0;
  for (const n of floats) total += align(n * width);
  for (const n of int32s) total += align(n * 4);
  return total;
}

// Placeholder until the WebAssembly SIMD backend lands: reports itself unavailable.
import type { Dtype, Kernels } from './types.js';

export async function initWasm(): Promise<boolean> {
  return false;
}
export function wasmAvailable(): boolean {
  return false;
}
export function createWasmKernels(_dtype: Dtype, _capacity: number): Kernels {
  throw new Error('the wasm backend is not built');
}

// Comparing checkpoints: the same tensors and metadata, but for the measured training time (the only
// field that two identical runs do not share).
import assert from 'node:assert/strict';
import { decodeSafetensors } from '../../src/checkpoint/safetensors.js';

export function assertSameCheckpoint(a: Uint8Array, b: Uint8Array): void {
  const [x, y] = [decodeSafetensors(a), decodeSafetensors(b)];
  const untimed = (meta: Record<string, string>) => {
    const { progress, ...rest } = meta;
    const { trainSeconds: _t, ...p } = JSON.parse(progress ?? '{}');
    return { ...rest, progress: p };
  };
  assert.deepEqual(untimed(x.metadata), untimed(y.metadata));
  assert.deepEqual([...x.tensors.keys()], [...y.tensors.keys()]);
  for (const [name, t] of x.tensors) {
    const u = y.tensors.get(name)!;
    assert.deepEqual(t.shape, u.shape, `tensor ${name}: shapes differ`);
    const at = t.data.findIndex((v, i) => !Object.is(v, u.data[i]));
    assert.equal(at, -1, `tensor ${name} differs first at [${at}]: ${t.data[at]} vs ${u.data[at]}`);
  }
}

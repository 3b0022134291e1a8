// What a fuzz case allocates, measured before it is allocated. Every constructor of binary memory
// (ArrayBuffer, SharedArrayBuffer, each typed array, WebAssembly.Memory) is replaced on globalThis, and on
// its prototype's `constructor` (which `slice`, `map` and `subarray` use through Symbol.species), by a
// proxy that adds the bytes each `new` asks for to a running total. The total is the sum of every
// allocation of the case, freed or not, so it bounds the peak from above. Above `ceiling` bytes the proxy
// throws `OverBudget` instead of allocating, so that a file claiming a huge model ends as a reported
// failure, not as an out-of-memory crash of the fuzzer. The library allocates its memory through these
// constructors (there is no Buffer in the core); the JavaScript heap (strings, objects) is not counted
// here, and the runner's workers cap it with resourceLimits.

export class OverBudget extends Error {
  constructor(readonly bytes: number) {
    super(`allocation of ${bytes} bytes in all exceeds the fuzzer's ceiling`);
    this.name = 'OverBudget';
  }
}

const TYPED = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

let total = 0;
let ceiling = Infinity;
let installed = false;

function charge(bytes: number): void {
  if (!(bytes > 0)) return;
  total += bytes;
  if (total > ceiling) throw new OverBudget(total);
}

/** Bytes `new C(arg)` allocates for a typed array of `width`-byte elements. */
function typedBytes(arg: unknown, width: number): number {
  if (typeof arg === 'number') return arg * width;
  if (
    arg instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && arg instanceof SharedArrayBuffer)
  )
    return 0; // a view on memory already counted
  if (arg !== null && typeof arg === 'object') {
    const n = (arg as { length?: unknown }).length;
    if (typeof n === 'number') return n * width;
  }
  return 0; // an iterable without length: counted as its elements arrive is not possible; rare in the core
}

type Ctor = { new (...a: unknown[]): object; prototype: object };

/** Replaces the constructors (once per thread). */
export function installMeter(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of TYPED) {
    const C = g[name] as Ctor & { BYTES_PER_ELEMENT: number };
    const proxy: Ctor = new Proxy(C, {
      construct(target, args, newTarget): object {
        charge(typedBytes(args[0], C.BYTES_PER_ELEMENT));
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    g[name] = proxy;
    Object.defineProperty(C.prototype, 'constructor', { value: proxy, writable: true, configurable: true });
  }
  for (const name of ['ArrayBuffer', 'SharedArrayBuffer']) {
    const C = g[name] as Ctor | undefined;
    if (!C) continue;
    const proxy: Ctor = new Proxy(C, {
      construct(target, args, newTarget): object {
        charge(typeof args[0] === 'number' ? args[0] : 0);
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    g[name] = proxy;
    Object.defineProperty(C.prototype, 'constructor', { value: proxy, writable: true, configurable: true });
  }
  const wasm = g.WebAssembly as Record<string, unknown>;
  const Memory = wasm.Memory as { new (d: { initial: number }): unknown };
  wasm.Memory = new Proxy(Memory, {
    construct(target, args) {
      const d = args[0] as { initial?: number } | undefined;
      charge((d?.initial ?? 0) * 65536);
      return Reflect.construct(target, args);
    },
  });
}

/** Starts counting a case: the total goes back to 0; allocating beyond `max` bytes in all throws OverBudget. */
export function meterStart(max: number): void {
  total = 0;
  ceiling = max;
}

/** Stops counting; returns the bytes the case allocated. */
export function meterStop(): number {
  ceiling = Infinity;
  return total;
}

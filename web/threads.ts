// Web Workers for data-parallel training in the page: the Host the core (ShardedModel in
// src/training/parallel.ts) asks to start shards 1..K-1, the page's counterpart of src/node/threads.ts.
// It runs in the training worker (worker.ts), which is the "calling thread": it holds shard 0 and blocks
// in Atomics.wait while the shards work, which a worker may do and the page's main thread may not.
//
// Shard workers are warmed up before a trainer is built: `warm(n)` starts them and waits (asynchronously,
// so the training worker still sees their messages and error events) until each has loaded its script
// and compiled its kernels. A worker that cannot load fails there at once, with its error, instead of the
// core's wait on a thread that never starts (which gives up only after 60 s).
//
// A shard worker that dies while it serves (closed, crashed, out of memory) fires no event, and this
// worker is blocked in Atomics.wait anyway: each shard worker holds a Web Lock, and when a trainer takes
// it, `watch` hands the lock and the shard's shared control array to the page's main thread, which waits
// for the lock and, granted, marks the shard dead (watch.ts, shardEnded in the core): this worker wakes.
import type { Host } from '../src/training/build.js';
import type { ShardInit, ShardWatch } from '../src/training/parallel.js';

/** What a shard worker says to the training worker (before it blocks serving its shard). */
export type FromShard = { type: 'ready'; backend: string; lock: string };

/** A shard to watch from the main thread: the lock its worker holds, and what shardEnded needs. */
export interface WatchShard {
  lock: string;
  watch: ShardWatch;
}

/**
 * Whether this context can train on several threads: SharedArrayBuffer exists only in a cross-origin
 * isolated page (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
 * require-corp) and its workers.
 */
export function threadsAvailable(): boolean {
  return globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

/** how long a shard worker may take to load its script and compile its kernels (the core's limit too) */
const WARMUP_TIMEOUT_MS = 60_000;

interface Shard {
  worker: Worker;
  /** warming: loading and compiling; spare: waiting for a ShardInit; assigned: serving a trainer */
  phase: 'warming' | 'spare' | 'assigned' | 'ended';
  /** the Web Lock the worker holds while it lives (from its 'ready'; '' without Web Locks) */
  lock: string;
}

export class WebHost implements Host {
  /** the cores, where the workers can share memory; else one (the core then trains on this thread) */
  readonly parallelism = threadsAvailable() ? Math.max(1, navigator.hardwareConcurrency || 1) : 1;
  /** warmed-up workers waiting for a ShardInit, oldest first */
  private readonly spare: Shard[] = [];
  /** workers serving a trainer's shards */
  private readonly assigned = new Set<Shard>();

  /**
   * `onError`: a shard worker's error event after it started (the page shows it as an alert); `watch`:
   * a shard a trainer took, for the main thread to watch.
   */
  constructor(
    private readonly onError: (line: string) => void,
    private readonly watch: (shard: WatchShard) => void,
  ) {}

  /** Starts shard workers until `n` are warmed up; rejects with the error of one that fails to start. */
  async warm(n: number): Promise<void> {
    const starting: Promise<Shard>[] = [];
    for (let i = this.spare.length; i < n; i++) starting.push(this.start().ready);
    const settled = await Promise.allSettled(starting);
    for (const r of settled) if (r.status === 'fulfilled') this.spare.push(r.value);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** A new shard worker; `ready` settles when it has compiled its kernels, or failed to. */
  private start(): { shard: Shard; ready: Promise<Shard> } {
    const worker = new Worker(new URL('./shard-worker.ts', import.meta.url), {
      type: 'module',
      name: 'charrnn shard',
    });
    const shard: Shard = { worker, phase: 'warming', lock: '' };
    const ready = new Promise<Shard>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (shard.phase !== 'warming') return;
        this.end(shard);
        reject(new Error(`a training thread did not start within ${WARMUP_TIMEOUT_MS / 1000} s`));
      }, WARMUP_TIMEOUT_MS);
      worker.onmessage = (e: MessageEvent<FromShard>) => {
        if (e.data.type !== 'ready' || shard.phase !== 'warming') return;
        clearTimeout(timer);
        shard.phase = 'spare';
        shard.lock = e.data.lock;
        resolve(shard);
      };
      worker.onerror = (e) => {
        e.preventDefault();
        const why = e.message || 'its script could not be loaded';
        const phase = shard.phase;
        clearTimeout(timer);
        this.end(shard);
        if (phase === 'warming') reject(new Error(`a training thread failed to start: ${why}`));
        else if (phase !== 'ended') this.onError(`a training thread failed: ${why}`);
      };
    });
    ready.catch(() => {}); // a worker spawnShard took before it was ready reports through onError
    return { shard, ready };
  }

  private end(shard: Shard): void {
    shard.phase = 'ended';
    shard.worker.terminate();
    const i = this.spare.indexOf(shard);
    if (i >= 0) this.spare.splice(i, 1);
    this.assigned.delete(shard);
  }

  spawnShard(init: ShardInit): () => void {
    // a warmed-up worker; without one (warm() not awaited), a new one: its shard starts once its kernels
    // are compiled, and the core gives up on it after 60 s if that never happens
    const shard = this.spare.shift() ?? this.start().shard;
    shard.phase = 'assigned';
    this.assigned.add(shard);
    shard.worker.postMessage(init);
    // (a worker taken before it was ready has no lock yet: it is not watched)
    if (shard.lock) {
      const { control, message } = init.buffers;
      this.watch({
        lock: shard.lock,
        watch: { shard: init.shard, shards: init.shards, buffers: { control, message } },
      });
    }
    return () => this.end(shard);
  }

  /** Ends every worker serving shards: after a trainer that failed halfway through being built. */
  endAssigned(): void {
    for (const shard of [...this.assigned]) this.end(shard);
  }
}

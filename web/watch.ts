// Hearing that a worker has ended. A Web Worker that is terminated, closes itself or runs out of memory
// fires no event, and one blocked in Atomics.wait (the training worker, while its shard workers compute)
// could not hear it anyway. But the Web Locks a worker holds are released when it ends, however it ends;
// so each worker takes a lock of its own for as long as it lives (holdLock), and the page's main thread,
// whose event loop is always free, asks for the same lock (whenReleased): granted, that worker is gone.
// The training worker's end loses the model in training (main.ts keeps its last checkpoint, recover.ts);
// a shard worker's end is written into the shared memory the training worker waits on (shardEnded, in
// src/training/parallel.ts), which wakes it with the reason.

/** Web Locks: in secure contexts (https, localhost), in the page and its workers; else none. */
function locks(): LockManager | undefined {
  return (globalThis.navigator as Navigator | undefined)?.locks;
}

/**
 * Takes a new lock and holds it until this context ends; resolves with its name once it is held ('' when
 * there are no Web Locks: then nobody can hear this context end).
 */
export function holdLock(prefix: string): Promise<string> {
  const manager = locks();
  if (!manager) return Promise.resolve('');
  const name = `${prefix}-${crypto.randomUUID()}`;
  return new Promise((resolve) => {
    void manager.request(name, () => {
      resolve(name);
      return new Promise<never>(() => {}); // never released while this context lives
    });
  });
}

/** Calls `ended` once the context holding lock `name` (holdLock) has ended. */
export function whenReleased(name: string, ended: () => void): void {
  const manager = locks();
  if (!manager || !name) return;
  void manager.request(name, () => ended());
}

// Worker threads for data-parallel training in Node: the Host the core asks to start each shard.
// `Trainer.create(corpus, settings, nodeHost)` trains on `threads` threads (0: one per core that splits
// the batch evenly). Each shard's worker is started by a keeper thread (shard-keeper.ts) that hears it
// end and tells the core (the thread that trains is blocked in Atomics.wait and cannot; parallel.ts).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Host } from '../training/build.js';
import { type ShardInit, shardEnded } from '../training/parallel.js';

/**
 * A module of this folder as a worker's entry: dist/node/NAME.js when built; when running from the
 * TypeScript sources under tsx (tests, benchmarks), src/node/NAME.ts.
 */
export function entryOf(name: string): URL {
  const compiled = new URL(`./${name}.js`, import.meta.url);
  return existsSync(compiled) ? compiled : new URL(`./${name}.ts`, import.meta.url);
}

/** A worker running `entry`; a TypeScript entry registers tsx first (a worker does not inherit its loader). */
export function startThread(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const viaTsx = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(viaTsx, { eval: true, workerData });
}

/** What a keeper gets: the shard's init, and the entry its worker runs (shard-worker, or a test's). */
export interface KeeperData {
  init: ShardInit;
  entry: string;
}

/** A Host whose shard workers run `entry` (which calls startShardWorker), each watched by a keeper. */
export function threadHost(entry: URL): Host {
  return {
    parallelism: availableParallelism(),
    spawnShard(init) {
      const data: KeeperData = { init, entry: entry.href };
      const keeper = startThread(entryOf('shard-keeper'), data);
      keeper.unref(); // a worker blocked in Atomics.wait must not keep the process alive
      // heard only when this thread is not blocked (the keeper itself is what hears the shard)
      keeper.on('error', (e) => shardEnded(init, `its keeper thread failed: ${e.message}`));
      keeper.on('exit', (code) => shardEnded(init, `its keeper thread exited with code ${code}`));
      return () => {
        keeper.removeAllListeners('exit');
        void keeper.terminate(); // and with it the shard's worker, which it started
      };
    },
  };
}

export const nodeHost: Host = threadHost(entryOf('shard-worker'));

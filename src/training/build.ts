// The model a configuration trains: the cell's model on this thread, or, with several threads, shard 0
// here and the other shards in workers that a Host starts (parallel.ts). A worker builds its replica from
// the same configuration with `startShardWorker`.
import { CharrnnError, shownValue } from '../errors.js';
import { createModel } from '../models/index.js';
import type { SequenceModel } from '../models/types.js';
import type { TrainConfig } from './config.js';
import { optimizerSlots } from './optim.js';
import { runShard, SHARD_PARAM_COPIES, ShardedModel, type ShardInit } from './parallel.js';

/** What a host (the CLI, a page) provides so that training can use more threads. */
export interface Host {
  /** how many threads can run at once (cores), for `threads: 0` */
  readonly parallelism: number;
  /** starts a worker that calls `startShardWorker(init)`; returns a function that ends it */
  spawnShard(init: ShardInit): () => void;
}

/** What a worker needs to build its replica. */
interface ShardSpec {
  config: TrainConfig;
  vocabSize: number;
}

/** Throws a usage error when `host`, given, is not a Host (a split passed where the host goes, say). */
export function checkHost(host: Host | undefined): void {
  if (host === undefined) return;
  const h = host as Partial<Host> | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    typeof h.spawnShard !== 'function' ||
    typeof h.parallelism !== 'number'
  ) {
    throw new CharrnnError(
      `the host must be a Host (parallelism and spawnShard), got ${shownValue(host)}`,
      "in Node: nodeHost from 'charrnn/node'; or leave it out (undefined) for one thread",
      'usage',
    );
  }
}

/** `threads: 0` made concrete: the most threads the host can run that split the batch evenly (1 without a host). */
export function resolveThreads(config: TrainConfig, host: Host | undefined): number {
  if (config.threads > 0) return config.threads;
  let k = Math.max(1, Math.min(host?.parallelism ?? 1, config.batch));
  while (config.batch % k !== 0) k--;
  return k;
}

/** The model of shard `shard` of `c.threads`: batch / threads streams and its own dropout seed. */
function buildReplica(c: TrainConfig, V: number, shard: number, withOptimizer: boolean): SequenceModel {
  return createModel(c.model, {
    vocabSize: V,
    hidden: c.hidden,
    layers: c.layers,
    embedding: c.embedding,
    batch: c.batch / c.threads,
    seqLength: c.seqLength,
    dropout: c.dropout,
    dtype: c.dtype,
    init: c.init,
    ...(c.backend ? { backend: c.backend } : {}),
    dropoutSeed: ((c.seed ?? 0) ^ (0x9e3779b9 + shard * 0x85ebca6b)) >>> 0,
    // the calling thread's replica: the optimizer's slots, and a ShardedModel's (parallel.ts)
    paramCopies: withOptimizer ? optimizerSlots(c.optimizer) + (c.threads > 1 ? SHARD_PARAM_COPIES : 0) : 0,
  });
}

/** The training model of a configuration whose threads are resolved: local, or sharded over the host's workers. */
export function buildModel(c: TrainConfig, V: number, host: Host | undefined): SequenceModel {
  const local = buildReplica(c, V, 0, true);
  if (c.threads === 1) return local;
  if (!host) {
    throw new CharrnnError(
      `--threads ${c.threads} needs worker threads, and no host was given to start them`,
      "pass a Host (in Node: nodeHost from 'charrnn/node'), or use --threads 1",
      'usage',
    );
  }
  const spec: ShardSpec = { config: c, vocabSize: V };
  return new ShardedModel(local, c.threads, spec, (init) => host.spawnShard(init));
}

/** A one-stream model of the same cell and weights' layout (for scoring a text), without dropout or threads. */
export function buildScorer(c: TrainConfig, V: number, seqLength: number): SequenceModel {
  return buildReplica({ ...c, batch: 1, threads: 1, seqLength, dropout: 0 }, V, 0, false);
}

/** In a worker started by a Host: builds shard `init.shard`'s replica and serves the trainer. Blocks. */
export function startShardWorker(init: ShardInit): void {
  const spec = init.modelSpec as ShardSpec;
  let model: SequenceModel | Error;
  try {
    model = buildReplica(spec.config, spec.vocabSize, init.shard, false);
  } catch (e) {
    model = e instanceof Error ? e : new Error(String(e));
  }
  runShard(init, model);
}

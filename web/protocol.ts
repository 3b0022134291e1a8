// The messages between the page (main.ts) and the training worker (worker.ts). Types only: both sides
// import this file, nothing here runs.
import type { ExportFormatName } from '../src/checkpoint/interop.js';
import type { TrainConfig } from '../src/training/config.js';
import type { FinishReason } from '../src/training/run.js';
import type { WatchShard } from './threads.js';

/** Where the training text comes from: a string (built-in, pasted) or a file's bytes (strict UTF-8). */
export type TextSource =
  | { kind: 'string'; text: string; what: string }
  | { kind: 'bytes'; bytes: Uint8Array; what: string };

/** Where Save sends a checkpoint: a downloaded file, or the models kept in the browser (store.ts). */
export type SaveTarget = 'download' | 'keep';

/**
 * idle: no model; loaded: a checkpoint to sample from or continue; running, paused: a model in training;
 * finished: its run reached --iters or --time-limit, or failed (it can still be saved and sampled).
 */
export type WorkerState = 'idle' | 'loaded' | 'running' | 'paused' | 'finished';

export type ToWorker =
  /** trains a new model on `source`, or continues the loaded checkpoint with `config` as its overrides */
  | { type: 'start'; source: TextSource; config: Partial<TrainConfig> }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'generate'; id: number; length: number; temperature: number; prime: string }
  | { type: 'save'; to: SaveTarget }
  /** the model (training or loaded) in another framework's format */
  | { type: 'export'; format: ExportFormatName }
  | { type: 'load'; bytes: Uint8Array; name: string };

/** What the page needs to know about a model (a new one, or one restored from a checkpoint). */
export interface ModelInfo {
  iter: number;
  smoothLoss: number;
  vocabSize: number;
  /** the kernel backend the model runs on */
  backend: string;
  /** the model's settings, as the checkpoint stores them */
  config: Omit<TrainConfig, 'backend'>;
  /** whether the text it trains on has a validation split (false for a loaded model: it has no text yet) */
  hasValidation: boolean;
  /** the lowest validation loss seen so far (nats/char; Infinity: none yet) */
  bestValLoss: number;
  /** seconds of training so far (what --time-limit counts) */
  trainSeconds: number;
  /** evaluations in a row that have not beaten the best (what --patience counts) */
  evalsSinceBest: number;
}

export type FromWorker =
  /**
   * threadsAvailable: whether the worker can share memory with shard workers (cross-origin isolated);
   * lock: the Web Lock it holds while it lives ('' without Web Locks; watch.ts)
   */
  | { type: 'ready'; backend: string; threadsAvailable: boolean; lock: string }
  /** a shard worker a trainer took: the page watches its lock (watch.ts) */
  | { type: 'watch-shard'; shard: WatchShard }
  /**
   * the model in training at a consistent point (every few seconds, and when it pauses or finishes): the
   * page holds the latest, and keeps it in the browser should this worker die (recover.ts)
   */
  | { type: 'autosave'; bytes: Uint8Array; info: ModelInfo }
  /**
   * the run stopped because a thread died (`line` says which, and when); `bytes`: the training state from
   * before the failed step, for the page to keep
   */
  | { type: 'lost'; line: string; bytes: Uint8Array; info: ModelInfo }
  /** the model in training, as a loaded checkpoint replaces it: for the page to keep */
  | { type: 'replaced'; bytes: Uint8Array; info: ModelInfo }
  | { type: 'state'; state: WorkerState }
  /**
   * `what`: the text's name (TextSource.what); `changed`: the settings a continued checkpoint runs with
   * differently (their flags and values)
   */
  | { type: 'started'; info: ModelInfo; what: string; chars: number; changed: string[] }
  | { type: 'progress'; iter: number; smoothLoss: number; itersPerSec: number; charsPerSec: number }
  /** a validation-loss point, in nats and bits per character, with the smooth loss at that iteration */
  | { type: 'val'; iter: number; smoothLoss: number; valLoss: number; valBits: number }
  | { type: 'sample'; iter: number; text: string }
  /** the run ended by itself: --iters or --time-limit reached */
  | { type: 'finished'; iter: number; reason: FinishReason }
  | { type: 'gen'; id: number; text: string; done: boolean }
  /** the model's checkpoint, for `to`, and what the list of kept models shows of it */
  | { type: 'checkpoint'; bytes: Uint8Array; to: SaveTarget; info: ModelInfo }
  /** an exported model, and the name to download it as */
  | { type: 'exported'; bytes: Uint8Array; name: string }
  | { type: 'loaded'; name: string; info: ModelInfo }
  | {
      type: 'error';
      line: string;
      during: 'start' | 'train' | 'generate' | 'save' | 'export' | 'load' | 'command';
    };

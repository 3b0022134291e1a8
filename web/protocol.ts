// The messages between the page (main.ts) and the training worker (worker.ts). Types only: both sides
// import this file, nothing here runs.
import type { TrainConfig } from '../src/config.js';
import type { RecipeConfig } from '../src/recipe.js';

/** Where the training text comes from: a string (built-in, pasted) or a file's bytes (strict UTF-8). */
export type TextSource =
  | { kind: 'string'; text: string; what: string }
  | { kind: 'bytes'; bytes: Uint8Array; what: string };

export type WorkerState = 'idle' | 'loaded' | 'running' | 'paused';

/** Which trainer runs a model: the seed's (src/train.ts, --model rnn) or the recipe one (src/recipe.ts). */
export type TrainerKind = 'seed' | 'recipe';

/** The settings a Start sends: for the seed's Trainer or for ModelTrainer (LSTM/GRU). */
export type StartSettings =
  | { trainer: 'seed'; config: Partial<TrainConfig> }
  | { trainer: 'recipe'; config: Partial<RecipeConfig> };

export type ToWorker =
  | ({ type: 'start'; source: TextSource } & StartSettings)
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'generate'; id: number; length: number; temperature: number; prime: string }
  | { type: 'save' }
  | { type: 'load'; bytes: Uint8Array; name: string };

/** What the page needs to know about a model (a new one, or one restored from a checkpoint). */
export type ModelInfo = {
  iter: number;
  smoothLoss: number;
  vocabSize: number;
  /** the kernel backend the model runs on */
  backend: string;
} & (
  | {
      trainer: 'seed';
      /** the model's settings, as the checkpoint stores them */
      config: Omit<TrainConfig, 'backend'>;
    }
  | {
      trainer: 'recipe';
      config: Omit<RecipeConfig, 'backend'>;
      /** whether the text it trains on has a validation split (false for a loaded model) */
      hasValidation: boolean;
      /** the lowest validation loss seen so far (nats/char; Infinity: none yet) */
      bestValLoss: number;
    }
);

export type FromWorker =
  /** threadsAvailable: whether the worker can share memory with shard workers (cross-origin isolated) */
  | { type: 'ready'; backend: string; threadsAvailable: boolean }
  | { type: 'state'; state: WorkerState }
  | { type: 'started'; info: ModelInfo; chars: number; resumed: boolean }
  | { type: 'progress'; iter: number; smoothLoss: number; itersPerSec: number; charsPerSec: number }
  /** a validation-loss point (recipes), in nats and bits per character, with the smooth loss at that iteration */
  | { type: 'val'; iter: number; smoothLoss: number; valLoss: number; valBits: number }
  | { type: 'sample'; iter: number; text: string }
  | { type: 'gen'; id: number; text: string; done: boolean }
  | { type: 'checkpoint'; bytes: Uint8Array }
  | { type: 'loaded'; name: string; info: ModelInfo }
  | { type: 'error'; line: string; during: 'start' | 'train' | 'generate' | 'save' | 'load' | 'command' };

// The messages between the page (main.ts) and the training worker (worker.ts). Types only: both sides
// import this file, nothing here runs.
import type { TrainConfig } from '../src/config.js';

/** Where the training text comes from: a string (built-in, pasted) or a file's bytes (strict UTF-8). */
export type TextSource =
  | { kind: 'string'; text: string; what: string }
  | { kind: 'bytes'; bytes: Uint8Array; what: string };

export type WorkerState = 'idle' | 'loaded' | 'running' | 'paused';

export type ToWorker =
  | { type: 'start'; source: TextSource; config: Partial<TrainConfig> }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'generate'; id: number; length: number; temperature: number; prime: string }
  | { type: 'save' }
  | { type: 'load'; bytes: Uint8Array; name: string };

/** What the page needs to know about a model (a new one, or one restored from a checkpoint). */
export interface ModelInfo {
  iter: number;
  smoothLoss: number;
  vocabSize: number;
  /** the model's settings, as the checkpoint stores them */
  config: Omit<TrainConfig, 'backend'>;
  /** the kernel backend the model runs on */
  backend: string;
}

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'state'; state: WorkerState }
  | { type: 'started'; info: ModelInfo; chars: number; resumed: boolean }
  | { type: 'progress'; iter: number; smoothLoss: number; itersPerSec: number; charsPerSec: number }
  | { type: 'sample'; iter: number; text: string }
  | { type: 'gen'; id: number; text: string; done: boolean }
  | { type: 'checkpoint'; bytes: Uint8Array }
  | { type: 'loaded'; name: string; info: ModelInfo }
  | { type: 'error'; line: string; during: 'start' | 'train' | 'generate' | 'save' | 'load' | 'command' };

// Data parallelism over threads: the B streams of a minibatch are split into K shards of B/K streams;
// shard 0 runs on the calling thread, shards 1..K-1 in workers (worker_threads in Node, Web Workers in a
// page), each with its own model replica and carried states. Every window: the parameters go out through a
// SharedArrayBuffer, each shard computes the loss and gradient of its streams, and the gradients are
// summed in a fixed order on the calling thread, so a fixed seed and thread count give the same run. The sum
// runs on the kernels: each worker's gradient is copied into an array the calling thread's replica reserved
// for it (`SHARD_PARAM_COPIES`) and added there (a plain loop over a typed array took 3% of the LSTM's step
// while the workers waited).
// Browser-safe: the host creates the workers and calls `runShard` in them.
//
// The protocol, on a small Int32Array `control` (layout at ShardBuffers): the calling thread writes a
// command, bumps the generation and notifies; each worker wakes, serves it, stores the generation in its
// done slot and notifies; the calling thread waits (Atomics.wait) on each done slot in turn. A command
// that throws in a worker sets its error flag and message, and still answers.
//
// A worker that dies (exits, is terminated, crashes) answers nothing, and the calling thread, blocked in
// Atomics.wait, cannot see the host's events that say so. So the host has someone whose event loop stays
// free watch each worker (in Node a keeper thread that starts the shard and hears its 'exit'; in a page the
// main thread, which hears a Web Lock the shard worker held being released), and that watcher calls
// `shardEnded`: it writes the reason into the shard's message, DEAD into its ready and done slots, and
// notifies. A done slot that changes value wakes the wait at once (and a wait that starts after it returns
// at once), so the calling thread learns of the death within milliseconds and at no cost per window. It
// then throws a CharrnnError of kind 'thread' and the model is lost: it stops the other workers, every
// command throws that error, and the carried states read as reset (zeros), since the dead shard's died
// with it and the others had already moved on into the failed window. States set after that are kept on
// the calling thread (an evaluation puts back the training states it held aside, for the checkpoint). The weights and the optimizer are
// the calling thread's and the update comes after the gradient, so a trainer whose step failed still holds
// the state from before that step: a host saves it, and a resume goes on from there.
import { CharrnnError } from '../errors.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import type { SequenceModel, TensorInfo } from '../models/types.js';
import type { MT19937, RngState } from '../rng.js';

enum Cmd {
  Grad = 1,
  Loss = 2,
  Reset = 3,
  GetState = 4,
  SetState = 5,
  Stop = 6,
}

/**
 * control: [generation, command, done generation of shard k at 1 + k, error flag of shard k at 1 + K + k,
 * ready flag of shard k at 1 + 2K + k] for k in 1..K-1; a dead shard's done and ready slots hold DEAD.
 */
export interface ShardBuffers {
  control: SharedArrayBuffer;
  params: SharedArrayBuffer;
  /** (K-1) gradients of numParams */
  grads: SharedArrayBuffer;
  /** B*T inputs then B*T targets (int32) */
  io: SharedArrayBuffer;
  /** one loss per shard (float64) */
  losses: SharedArrayBuffer;
  /** per shard: its carried states, then its dropout RNG (627 numbers) */
  states: SharedArrayBuffer;
  /** per shard: its error message, or why it died (UTF-8, MESSAGE_BYTES each) */
  message: SharedArrayBuffer;
}

/** What a worker needs to build its replica and join. */
export interface ShardInit {
  shard: number;
  shards: number;
  /** numbers of the replica: the full model's batch divided by shards */
  batch: number;
  seqLength: number;
  numParams: number;
  stateLength: number;
  dtype: 'f32' | 'f64';
  buffers: ShardBuffers;
  /** whatever the host's model factory needs (the training configuration) */
  modelSpec: unknown;
}

/** What a host's watcher needs of a shard to report its death (`shardEnded`). */
export type ShardWatch = Pick<ShardInit, 'shard' | 'shards'> & {
  buffers: Pick<ShardBuffers, 'control' | 'message'>;
};

/**
 * Arrays of numParams floats the calling thread's replica reserves (its `paramCopies`, after the optimizer's)
 * for a ShardedModel: where each worker's gradient is copied, in kernel memory, to be added by the kernels.
 */
export const SHARD_PARAM_COPIES = 1;

const RNG_NUMBERS = 627;
const MESSAGE_BYTES = 512;
/** the done and ready slots of a shard whose worker died (generations and flags are never negative) */
const DEAD = -1;
/** how long a worker may take to compile its kernels and build its replica */
const STARTUP_TIMEOUT_MS = 60_000;

/** An RNG state as RNG_NUMBERS float64s (the 624 words, pos, hasGauss, gauss), for the shared states buffer. */
function writeRngState(state: RngState, out: Float64Array): void {
  out.set(state.mt);
  out[624] = state.pos;
  out[625] = state.hasGauss ? 1 : 0;
  out[626] = state.gauss;
}

function readRngState(src: Float64Array): RngState {
  return { mt: Array.from(src.subarray(0, 624)), pos: src[624], hasGauss: src[625] === 1, gauss: src[626] };
}

function views(init: Omit<ShardInit, 'modelSpec' | 'shard'>) {
  const { buffers: b, shards: K, numParams: P, batch, seqLength: T, stateLength } = init;
  const float = (buffer: SharedArrayBuffer, offset: number, length: number): FloatArray =>
    init.dtype === 'f64'
      ? new Float64Array(buffer, offset * 8, length)
      : new Float32Array(buffer, offset * 4, length);
  const BT = batch * K * T;
  return {
    control: new Int32Array(b.control),
    params: float(b.params, 0, P),
    grads: Array.from({ length: K - 1 }, (_, k) => float(b.grads, k * P, P)),
    inputs: new Int32Array(b.io, 0, BT),
    targets: new Int32Array(b.io, BT * 4, BT),
    losses: new Float64Array(b.losses),
    states: Array.from(
      { length: K },
      (_, k) => new Float64Array(b.states, k * (stateLength + RNG_NUMBERS) * 8, stateLength + RNG_NUMBERS),
    ),
    messages: Array.from(
      { length: K },
      (_, k) => new Uint8Array(b.message, k * MESSAGE_BYTES, MESSAGE_BYTES),
    ),
  };
}

function writeMessage(out: Uint8Array, text: string): void {
  out.fill(0);
  out.set(new TextEncoder().encode(text).subarray(0, out.length - 1));
}

function readMessage(src: Uint8Array): string {
  return new TextDecoder().decode(src.slice()).replace(/\0.*$/s, '');
}

/**
 * The host's watcher of a worker calls this when the worker has ended (`why`: 'exited with code 3'...):
 * unless it ended serving Stop, it marks the shard DEAD and wakes the calling thread. Never blocks, so the
 * page's main thread may call it.
 */
export function shardEnded(watch: ShardWatch, why: string): void {
  const { shard: k, shards: K } = watch;
  const control = new Int32Array(watch.buffers.control);
  const done = Atomics.load(control, 1 + k);
  if (Atomics.load(control, 1) === Cmd.Stop && done === Atomics.load(control, 0)) return; // a normal end
  if (done === DEAD) return;
  writeMessage(new Uint8Array(watch.buffers.message, k * MESSAGE_BYTES, MESSAGE_BYTES), why);
  Atomics.store(control, 1 + 2 * K + k, DEAD);
  Atomics.store(control, 1 + k, DEAD);
  Atomics.notify(control, 1 + 2 * K + k);
  Atomics.notify(control, 1 + k);
}

/**
 * The worker side: serve commands until Stop on `model`, the replica (or, when building it failed,
 * the Error, reported for every command so the calling thread never waits for nothing). Blocks.
 */
export function runShard(init: ShardInit, model: SequenceModel | Error): void {
  const v = views(init);
  const { shard: k, shards: K, batch: Bs, seqLength: T } = init;
  const n = Bs * T;
  const inputs = new Int32Array(n);
  const targets = new Int32Array(n);
  let seen = 0;
  Atomics.store(v.control, 1 + 2 * K + k, 1);
  Atomics.notify(v.control, 1 + 2 * K + k);
  for (;;) {
    Atomics.wait(v.control, 0, seen);
    seen = Atomics.load(v.control, 0);
    const cmd = Atomics.load(v.control, 1) as Cmd;
    try {
      if (model instanceof Error) {
        if (cmd !== Cmd.Stop) throw model;
      } else if (cmd === Cmd.Grad || cmd === Cmd.Loss) {
        inputs.set(v.inputs.subarray(k * n, (k + 1) * n));
        targets.set(v.targets.subarray(k * n, (k + 1) * n));
        if (cmd === Cmd.Grad) {
          model.theta.set(v.params);
          v.losses[k] = model.lossAndGrad(inputs, targets);
          v.grads[k - 1].set(model.dtheta);
        } else {
          model.theta.set(v.params);
          v.losses[k] = model.loss(inputs, targets);
        }
      } else if (cmd === Cmd.Reset) model.resetState();
      else if (cmd === Cmd.GetState) {
        v.states[k].set(model.getState());
        if (model.dropoutRng)
          writeRngState(model.dropoutRng.getState(), v.states[k].subarray(init.stateLength));
      } else if (cmd === Cmd.SetState) {
        model.setState(v.states[k].subarray(0, init.stateLength));
        model.dropoutRng?.setState(readRngState(v.states[k].subarray(init.stateLength)));
      }
    } catch (e) {
      writeMessage(v.messages[k], String((e as Error)?.message ?? e));
      Atomics.store(v.control, 1 + K + k, 1);
    }
    Atomics.store(v.control, 1 + k, seen);
    Atomics.notify(v.control, 1 + k);
    if (cmd === Cmd.Stop) return;
  }
}

/**
 * The calling thread's side: a SequenceModel of the full batch whose parameters, gradients and optimizer
 * slots are shard 0's; lossAndGrad and loss fan out to the workers. `spawn(init)` must start a worker
 * that builds a replica from `init.modelSpec` and calls `runShard`, and see that `shardEnded` is called if
 * that worker dies; it returns a function that ends it.
 */
export class ShardedModel implements SequenceModel {
  readonly kind;
  readonly kernels: Kernels;
  readonly theta: FloatArray;
  readonly dtheta: FloatArray;
  readonly tensors: readonly TensorInfo[];
  readonly numParams: number;
  readonly vocabSize: number;
  readonly hidden: number;
  readonly stateBuffers: number;
  readonly batch: number;
  readonly seqLength: number;
  readonly dropoutRng: MT19937 | undefined;
  readonly paramCopies: readonly FloatArray[];
  private readonly v: ReturnType<typeof views>;
  private readonly K: number;
  private readonly stateLength: number;
  private readonly terminators: (() => void)[] = [];
  private generation = 0;
  private closed = false;
  /** why the model is lost: a worker died (then every command throws it) */
  private failure: CharrnnError | undefined;
  /** once lost: the carried states, reset at the loss, and what setState gives after it */
  private lostStates: Float64Array | undefined;
  /** a worker's gradient, copied into kernel memory to be added there */
  private readonly received: FloatArray;

  /** The full state interleaves the shards' streams within each of the model's (B,H) state buffers. */
  constructor(
    private readonly local: SequenceModel,
    shards: number,
    modelSpec: unknown,
    spawn: (init: ShardInit) => () => void,
  ) {
    this.kind = local.kind;
    this.kernels = local.kernels;
    this.theta = local.theta;
    this.dtheta = local.dtheta;
    this.tensors = local.tensors;
    this.numParams = local.numParams;
    this.vocabSize = local.vocabSize;
    this.hidden = local.hidden;
    this.stateBuffers = local.stateBuffers;
    this.batch = local.batch * shards;
    this.seqLength = local.seqLength;
    this.dropoutRng = local.dropoutRng;
    if (local.paramCopies.length < SHARD_PARAM_COPIES) {
      throw new Error("the calling thread's replica must reserve SHARD_PARAM_COPIES more paramCopies");
    }
    this.paramCopies = local.paramCopies.slice(0, -SHARD_PARAM_COPIES);
    this.received = local.paramCopies[local.paramCopies.length - 1];
    this.K = shards;
    this.stateLength = local.getState().length;
    const width = local.kernels.dtype === 'f64' ? 8 : 4;
    const P = local.numParams;
    const BT = this.batch * this.seqLength;
    const buffers: ShardBuffers = {
      control: new SharedArrayBuffer(4 * (1 + 3 * shards)),
      params: new SharedArrayBuffer(P * width),
      grads: new SharedArrayBuffer(Math.max(1, shards - 1) * P * width),
      io: new SharedArrayBuffer(2 * BT * 4),
      losses: new SharedArrayBuffer(8 * shards),
      states: new SharedArrayBuffer(8 * shards * (this.stateLength + RNG_NUMBERS)),
      message: new SharedArrayBuffer(MESSAGE_BYTES * shards),
    };
    const common = {
      shards,
      batch: local.batch,
      seqLength: local.seqLength,
      numParams: P,
      stateLength: this.stateLength,
      dtype: local.kernels.dtype,
      buffers,
    };
    this.v = views(common);
    for (let k = 1; k < shards; k++) this.terminators.push(spawn({ ...common, shard: k, modelSpec }));
  }

  init(rng: MT19937): void {
    this.local.init(rng);
  }

  private run(cmd: Cmd): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('the worker threads have been stopped');
    const c = this.v.control;
    Atomics.store(c, 1, cmd);
    this.generation = Atomics.add(c, 0, 1) + 1;
    Atomics.notify(c, 0);
  }

  private wait(): void {
    const c = this.v.control;
    const K = this.K;
    for (let k = 1; k < K; k++) {
      // a worker that never started (its script failed to load) would leave us waiting forever
      const deadline = performance.now() + STARTUP_TIMEOUT_MS;
      // (a dead shard's ready slot is DEAD, and its done slot tells below)
      while (Atomics.load(c, 1 + 2 * K + k) === 0) {
        if (performance.now() > deadline) {
          this.closed = true;
          for (const end of this.terminators) end();
          throw new CharrnnError(
            `worker thread ${k} did not start within ${STARTUP_TIMEOUT_MS / 1000} s`,
            'run again, or with --threads 1 on a machine this busy',
            'thread',
          );
        }
        Atomics.wait(c, 1 + 2 * K + k, 0, 100);
      }
      for (let seen = Atomics.load(c, 1 + k); seen !== this.generation; seen = Atomics.load(c, 1 + k)) {
        if (seen === DEAD) throw this.lose(k);
        Atomics.wait(c, 1 + k, seen, 60_000);
      }
      // its command threw (a replica it could not build, memory it could not grow): its state is unknown
      if (Atomics.load(c, 1 + this.K + k) !== 0) throw this.lose(k, 'failed');
    }
  }

  /**
   * Shard k's worker died, or its command failed: stops the others, resets the states, and from now on
   * fails every command.
   */
  private lose(k: number, how: 'died' | 'failed' = 'died'): CharrnnError {
    this.close();
    this.local.resetState();
    this.lostStates = new Float64Array(this.stateLength * this.K);
    this.failure = new CharrnnError(
      `worker thread ${k} ${how} (${readMessage(this.v.messages[k])})`,
      "the weights and optimizer from before the failed step are intact (the streams' carried states are lost): save them and resume",
      'thread',
    );
    return this.failure;
  }

  private fanOut(cmd: Cmd.Grad | Cmd.Loss, inputs: Int32Array, targets: Int32Array): number {
    const v = this.v;
    v.params.set(this.theta);
    v.inputs.set(inputs);
    v.targets.set(targets);
    this.run(cmd);
    const n = this.local.batch * this.seqLength;
    const own =
      cmd === Cmd.Grad
        ? this.local.lossAndGrad(inputs.subarray(0, n), targets.subarray(0, n))
        : this.local.loss(inputs.subarray(0, n), targets.subarray(0, n));
    this.wait();
    let loss = own;
    for (let k = 1; k < this.K; k++) loss += v.losses[k];
    if (cmd === Cmd.Grad) {
      const d = this.dtheta;
      for (const g of v.grads) {
        this.received.set(g);
        this.kernels.add(d, d, this.received, this.numParams);
      }
    }
    return loss;
  }

  lossAndGrad(inputs: Int32Array, targets: Int32Array): number {
    return this.fanOut(Cmd.Grad, inputs, targets);
  }

  loss(inputs: Int32Array, targets: Int32Array): number {
    return this.fanOut(Cmd.Loss, inputs, targets);
  }

  resetState(): void {
    if (this.lostStates) {
      this.lostStates.fill(0);
      return;
    }
    this.run(Cmd.Reset);
    this.local.resetState();
    this.wait();
  }

  /** The states in the layout of one model of the full batch: per state buffer, (B, H) rows by stream. */
  getState(): Float64Array {
    if (this.lostStates) return this.lostStates.slice();
    this.run(Cmd.GetState);
    this.wait();
    const parts = [this.local.getState(), ...this.v.states.slice(1).map((s) => s.slice(0, this.stateLength))];
    return interleave(parts, this.stateBuffers);
  }

  setState(state: ArrayLike<number>): void {
    if (state.length !== this.stateLength * this.K) {
      throw new RangeError(`state has ${state.length} numbers, expected ${this.stateLength * this.K}`);
    }
    if (this.lostStates) {
      this.lostStates.set(state); // lost: kept here, for a checkpoint
      return;
    }
    const parts = deinterleave(Float64Array.from(state), this.K, this.stateBuffers);
    // fetch first, so that each worker's dropout RNG (stored after its state) is written back unchanged
    this.run(Cmd.GetState);
    this.wait();
    for (let k = 1; k < this.K; k++) this.v.states[k].set(parts[k]);
    this.run(Cmd.SetState);
    this.local.setState(parts[0]);
    this.wait();
  }

  /** The dropout RNG states of every shard (shard 0 first), for checkpoints. */
  getDropoutStates(): RngState[] | undefined {
    if (!this.dropoutRng || this.failure) return undefined; // lost: a resume draws fresh ones
    this.run(Cmd.GetState);
    this.wait();
    const out = [this.dropoutRng.getState()];
    for (let k = 1; k < this.K; k++) out.push(readRngState(this.v.states[k].subarray(this.stateLength)));
    return out;
  }

  setDropoutStates(states: readonly RngState[]): void {
    if (!this.dropoutRng) return;
    if (states.length !== this.K)
      throw new Error(`expected ${this.K} dropout RNG states, got ${states.length}`);
    this.run(Cmd.GetState);
    this.wait();
    this.dropoutRng.setState(states[0]);
    for (let k = 1; k < this.K; k++) writeRngState(states[k], this.v.states[k].subarray(this.stateLength));
    this.run(Cmd.SetState);
    this.wait();
  }

  resetGen(): void {
    this.local.resetGen();
  }

  /** Stream b's state as the generation state (the streams of shard 0 are this thread's). */
  genFromStream(b: number): void {
    if (b < this.local.batch) {
      this.local.genFromStream(b);
      return;
    }
    const full = this.getState();
    const H = this.hidden;
    const B = this.batch;
    const gen = new Float64Array(this.stateBuffers * H);
    for (let i = 0; i < this.stateBuffers; i++)
      gen.set(full.subarray((i * B + b) * H, (i * B + b + 1) * H), i * H);
    this.local.genState = gen;
  }

  forwardOne(x: number): FloatArray {
    return this.local.forwardOne(x);
  }

  get genState(): Float64Array {
    return this.local.genState;
  }

  set genState(s: Float64Array) {
    this.local.genState = s;
  }

  /** Stops the worker threads. */
  close(): void {
    if (this.closed) return;
    this.run(Cmd.Stop);
    this.closed = true;
    for (const end of this.terminators) end();
  }
}

/** K shard states, each nBuf buffers of (Bs, H) -> one state of nBuf buffers of (K*Bs, H). */
function interleave(parts: Float64Array[], nBuf: number): Float64Array {
  const K = parts.length;
  const chunk = parts[0].length / nBuf; // Bs*H
  const out = new Float64Array(parts[0].length * K);
  for (let i = 0; i < nBuf; i++) {
    for (let k = 0; k < K; k++) out.set(parts[k].subarray(i * chunk, (i + 1) * chunk), (i * K + k) * chunk);
  }
  return out;
}

/** The inverse of interleave. */
function deinterleave(full: Float64Array, K: number, nBuf: number): Float64Array[] {
  const chunk = full.length / K / nBuf;
  const parts = Array.from({ length: K }, () => new Float64Array(full.length / K));
  for (let i = 0; i < nBuf; i++) {
    for (let k = 0; k < K; k++)
      parts[k].set(full.subarray((i * K + k) * chunk, (i * K + k + 1) * chunk), i * chunk);
  }
  return parts;
}

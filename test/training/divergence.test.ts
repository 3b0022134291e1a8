// Divergence never reaches a checkpoint, for every model and both kernel backends: a non-finite loss stops
// the step before the update (the state untouched); a non-finite gradient or an update that overflows a
// parameter is not looked for every step (that costs a pass over the parameters), but a state holding a
// NaN or an infinity is never snapshotted, so the run loop ends with the diverged error at the checkpoint
// of that iteration, and without one the next loss is not finite. Large finite values (f64 beyond the sum-of-squares range) are no divergence.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { type BackendName, initKernels } from '../../src/kernels/index.js';
import type { FloatArray } from '../../src/kernels/types.js';
import { MODEL_KINDS, type ModelKind, type SequenceModel } from '../../src/models/types.js';
import type { TrainConfig } from '../../src/training/config.js';
import { presetConfig } from '../../src/training/presets.js';
import { RunLoop } from '../../src/training/run.js';
import { Trainer } from '../../src/training/trainer.js';
import { golden } from '../helpers/golden.js';

const corpus = corpusFromString(golden.corpus.repeat(2));
const BACKENDS: BackendName[] = ['ref', 'wasm'];
before(async () => {
  await initKernels();
});

/** Adam with clip-norm and a checkpoint every step: where a NaN would first reach the saved state. */
const ADAM_SAVING_EVERY_STEP: Partial<TrainConfig> = {
  optimizer: 'adam',
  clip: Infinity,
  clipNorm: 5,
  saveEvery: 1,
  iters: 100,
};

function trainer(model: ModelKind, backend: BackendName, over: Partial<TrainConfig> = {}): Trainer {
  return Trainer.create(
    corpus,
    presetConfig('min-char-rnn', {
      model,
      hidden: 8,
      embedding: model === 'rnn' ? 0 : 4,
      batch: 2,
      seqLength: 8,
      sampleEvery: 0,
      seed: 3,
      backend,
      threads: 1,
      ...over,
    }),
  );
}

/** After the next lossAndGrad (whose loss stays what the model computed), calls `poison` on the model. */
function afterNextBackward(m: SequenceModel, poison: (m: SequenceModel) => void): void {
  const target = m as { lossAndGrad: SequenceModel['lossAndGrad'] };
  const original = m.lossAndGrad.bind(m);
  target.lossAndGrad = (inputs, targets) => {
    const loss = original(inputs, targets);
    poison(m);
    target.lossAndGrad = original;
    return loss;
  };
}

const isDiverged = (pattern: RegExp) => (e: unknown) =>
  e instanceof CharrnnError && e.kind === 'diverged' && pattern.test(e.message) && /lower --lr/.test(e.hint);

const allFinite = (a: ArrayLike<number>) => Array.prototype.every.call(a, Number.isFinite);

function assertFiniteCheckpoint(bytes: Uint8Array, what: string): void {
  const ck = readCheckpoint(bytes, what);
  for (const [name, t] of ck.params) assert.ok(allFinite(t.data), `${what}: tensor ${name} is not finite`);
  for (const [name, s] of ck.slots) assert.ok(allFinite(s), `${what}: optimizer ${name} is not finite`);
  assert.ok(allFinite(ck.state), `${what}: the carried state is not finite`);
}

/** A run loop checkpointing after every step (the trainer's saveEvery is 1), and a drain of its events. */
function checkpointEveryStep(t: Trainer) {
  assert.equal(t.config.saveEvery, 1);
  const loop = new RunLoop(t, { checkpoints: true });
  const checkpoints: { iter: number; bytes: Uint8Array }[] = [];
  /** Runs the loop up to the checkpoint of iteration `last`, or to its end. */
  const drain = (last: number) => {
    for (let e = loop.next(); e; e = loop.next()) {
      if (e.type !== 'checkpoint') continue;
      checkpoints.push({ iter: e.iter, bytes: e.bytes }); // read now: the parts are views of the live state
      if (e.iter === last) return;
    }
  };
  return { loop, checkpoints, drain };
}

for (const backend of BACKENDS) {
  describe(`divergence on the ${backend} kernels`, () => {
    for (const model of MODEL_KINDS) {
      it(`${model}: a finite loss with a NaN or infinite gradient ends the run, and no checkpoint of it is made`, () => {
        for (const bad of [Number.NaN, Infinity, -Infinity]) {
          const t = trainer(model, backend, ADAM_SAVING_EVERY_STEP);
          const { loop, checkpoints, drain } = checkpointEveryStep(t);
          drain(1);
          const k = t.model.numParams - 3;
          afterNextBackward(t.model, (m) => {
            m.dtheta[k] = bad;
          });
          // the update spreads the bad gradient through the parameters; the checkpoint of that iteration is
          // refused (or, were there none, the next loss is not finite)
          assert.throws(
            () => drain(100),
            isDiverged(
              /^training diverged at iteration 2: the training state is not finite, so it is not saved$/,
            ),
          );
          assert.deepEqual(
            checkpoints.map((c) => c.iter),
            [1],
            `${bad}: no checkpoint after the diverged step`,
          );
          for (const c of checkpoints) assertFiniteCheckpoint(c.bytes, `${model} checkpoint ${c.iter}`);
          assert.equal(loop.finished, true);
          t.close();
        }
      });

      it(`${model}: without checkpoints, a NaN gradient stops the run at the next step's loss`, () => {
        const t = trainer(model, backend, { optimizer: 'adam', clip: Infinity, clipNorm: Infinity });
        t.step();
        afterNextBackward(t.model, (m) => {
          m.dtheta.fill(Number.NaN);
        });
        t.step();
        assert.throws(() => t.step(), isDiverged(/^training diverged at iteration 2: the loss is NaN$/));
        t.close();
      });

      for (const dtype of ['f32', 'f64'] as const) {
        it(`${model} ${dtype}: an update that overflows a parameter ends the run, and no checkpoint of it is made`, () => {
          const t = trainer(model, backend, {
            dtype,
            optimizer: 'sgd',
            lr: 1,
            clip: Infinity,
            clipNorm: Infinity,
            saveEvery: 1,
            iters: 100,
          });
          const { loop, checkpoints, drain } = checkpointEveryStep(t);
          drain(3);
          // the largest finite value, pushed past the range by a finite gradient (the loss stays finite: it
          // was computed before); every earlier checkpoint was finite
          const max = dtype === 'f32' ? 3.4e38 : 1.7e308;
          const k = t.model.numParams - 1;
          afterNextBackward(t.model, (m) => {
            m.theta[k] = max;
            m.dtheta[k] = -max;
          });
          assert.throws(
            () => drain(100),
            isDiverged(
              /^training diverged at iteration 4: the training state is not finite, so it is not saved$/,
            ),
          );
          assert.equal(t.model.theta[k], Infinity);
          assert.deepEqual(
            checkpoints.map((c) => c.iter),
            [1, 2, 3],
            'no checkpoint after the diverged step, not even the last one',
          );
          for (const c of checkpoints) assertFiniteCheckpoint(c.bytes, `${model} checkpoint ${c.iter}`);
          assert.equal(loop.finished, true);
          assert.throws(
            () => t.toCheckpoint(),
            isDiverged(
              /^training diverged at iteration 4: the training state is not finite, so it is not saved$/,
            ),
          );
          t.close();
        });
      }

      it(`${model}: a NaN in the optimizer's state or the carried states is never snapshotted`, () => {
        const t = trainer(model, backend, ADAM_SAVING_EVERY_STEP);
        t.step();
        const good = t.optimizer.getState();
        const v = (good.v as FloatArray).slice();
        v[0] = Infinity;
        t.optimizer.setState({ ...good, v });
        assert.throws(() => t.toCheckpoint(), isDiverged(/the training state is not finite/));
        assert.throws(() => t.snapshot(), isDiverged(/the training state is not finite/));
        t.optimizer.setState(good);
        const state = t.model.getState();
        t.model.setState(state.map((x, i) => (i === 1 ? Number.NaN : x)));
        assert.throws(() => t.toCheckpoint(), isDiverged(/the training state is not finite/));
        t.model.setState(state);
        assertFiniteCheckpoint(t.toCheckpoint(), `${model} restored`);
        t.close();
      });
    }

    it('a huge but finite f64 parameter (its square overflows) is no divergence', () => {
      const t = trainer('rnn', backend, { dtype: 'f64' });
      const Whh = t.model.tensors.find((x) => x.name === 'l0.Whh')!;
      // Whh[0][0] = 1e200: unit 0 saturates, its gradient is 0, the loss stays finite
      t.model.theta[Whh.offset] = 1e200;
      for (let i = 0; i < 5; i++) t.step();
      assert.equal(t.model.theta[Whh.offset], 1e200);
      assertFiniteCheckpoint(t.toCheckpoint(), 'a huge f64 parameter');
      t.close();
    });
  });
}

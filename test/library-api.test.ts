// The library used the wrong way, as a program (not the CLI's parser) can: every misuse is a one-line
// CharrnnError that names the problem, never a raw TypeError or a silent wrong result. The first test runs
// before initKernels() in this process, so it must stay first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import {
  CharrnnError,
  type Checkpoint,
  corpusFromString,
  defaultPreset,
  exportOnnx,
  exportTorch,
  type Host,
  importTorch,
  initKernels,
  type ModelKind,
  PRESETS,
  parseOption,
  presetConfig,
  RunLoop,
  type RunOptions,
  readAnyCheckpoint,
  readCheckpoint,
  resolveConfig,
  type TrainConfig,
  Trainer,
  writeCheckpoint,
} from '../src/index.js';
import { nodeHost, readBytes, readText } from '../src/node/index.js';

const text = 'hello world, this is a tiny text for a tiny model.\n'.repeat(20);
const corpus = corpusFromString(text);
const small = { seed: 1, hidden: 8, sampleEvery: 0 };

/** A CharrnnError of `kind` whose one-line message matches `pattern`. */
function refused(pattern: RegExp, kind = 'usage') {
  return (e: unknown) => {
    assert.ok(e instanceof CharrnnError, `not a CharrnnError: ${String((e as Error)?.stack ?? e)}`);
    assert.match(e.message, pattern);
    assert.equal(e.kind, kind);
    assert.ok(!e.line.includes('\n'), e.line);
    return true;
  };
}

describe('before initKernels()', () => {
  it("refuses the wasm backend by name, saying to await initKernels(); 'ref' and the default work", () => {
    assert.throws(
      () => Trainer.create(corpus, { ...small, backend: 'wasm' }),
      refused(/the wasm backend is not available: .*initKernels\(\)/),
    );
    Trainer.create(corpus, { ...small, backend: 'ref' }).step();
    Trainer.create(corpus, small).step(); // the reference kernels, as documented
  });
});

describe('after initKernels()', () => {
  it('compiles the kernels', async () => {
    assert.equal(await initKernels(), true);
    Trainer.create(corpus, { ...small, backend: 'wasm' }).step();
  });
});

describe('the run loop', () => {
  it('refuses --patience without a validation split on its first next(), instead of ignoring it', () => {
    const t = Trainer.create(corpus, { ...small, patience: 2, iters: 5 });
    const run = new RunLoop(t);
    assert.throws(
      () => run.next(),
      refused(/--patience 2 watches the validation loss, but there is no validation split/),
    );
    assert.equal(t.iter, 0);
    assert.equal(run.next(), undefined); // ended
  });

  it('refuses to run a trainer that is already at its --iters, instead of finishing at once', () => {
    const t = Trainer.create(corpus, { ...small, iters: 2 });
    t.step();
    t.step();
    const run = new RunLoop(t, { checkpoints: true });
    assert.throws(() => run.next(), refused(/the run is already at iteration 2, as far as --iters 2 goes/));
    // a run with somewhere to go still goes there
    const more = Trainer.fromCheckpoint(t.toCheckpoint(), corpus, { iters: 3 });
    assert.equal(new RunLoop(more).next()?.type, 'step');
  });
});

describe('a closed trainer', () => {
  for (const threads of [1, 2]) {
    it(`refuses training and checkpoints after close(), on ${threads} thread${threads > 1 ? 's' : ''} alike`, () => {
      const t = Trainer.create(corpus, { ...small, batch: 2, threads, valFraction: 0.2 }, nodeHost);
      t.step();
      const bytes = t.toCheckpoint();
      t.close();
      t.close(); // twice is fine
      const closed = refused(/^this trainer is closed$/);
      assert.throws(() => t.step(), closed);
      assert.throws(() => t.evaluate(), closed);
      assert.throws(() => t.toCheckpoint(), closed);
      assert.throws(() => t.checkpointParts(), closed);
      assert.throws(() => t.setData(corpus), closed);
      // sampling and scoring need only the weights: they go on
      assert.equal([...t.sample(5)].length, 5);
      assert.ok(t.score(corpus).valLoss > 0);
      // its checkpoint from before goes on
      const again = Trainer.fromCheckpoint(bytes, corpus, { threads }, 'the checkpoint', nodeHost);
      try {
        assert.equal(again.step().iter, 1);
      } finally {
        again.close();
      }
    });
  }
});

describe("a checkpoint's bytes", () => {
  it('must be a Uint8Array: an ArrayBuffer (what fetch gives) or a string is named, not a TypeError', () => {
    const t = Trainer.create(corpus, small);
    t.step();
    const bytes = t.toCheckpoint();
    const torch = exportTorch(t.snapshot());
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const asAny = (x: unknown) => x as Uint8Array;
    for (const read of [
      (b: Uint8Array) => Trainer.fromCheckpoint(b),
      (b: Uint8Array) => readCheckpoint(b),
      (b: Uint8Array) => readAnyCheckpoint(b),
      (b: Uint8Array) => importTorch(b),
    ]) {
      assert.throws(
        () => read(asAny(buffer)),
        refused(/must be given as a Uint8Array of the file's bytes, got an ArrayBuffer$/),
      );
      assert.throws(
        () => read(asAny('abc')),
        refused(/must be given as a Uint8Array of the file's bytes, got 'abc'$/),
      );
    }
    // a Buffer, a view into a larger buffer, and another realm's Uint8Array are read
    assert.equal(Trainer.fromCheckpoint(Buffer.from(bytes)).iter, 1);
    const inside = new Uint8Array(bytes.length + 5);
    inside.set(bytes, 5);
    assert.equal(Trainer.fromCheckpoint(inside.subarray(5)).iter, 1);
    const foreign = runInNewContext('(b) => new Uint8Array(b)')(bytes) as Uint8Array;
    assert.ok(!(foreign instanceof Uint8Array));
    assert.equal(Trainer.fromCheckpoint(foreign).iter, 1);
    assert.equal(importTorch(runInNewContext('(b) => new Uint8Array(b)')(torch)).config.hidden, 8);
  });

  it('in the PyTorch layout are named so by the charrnn reader, with the readers that take them', () => {
    const t = Trainer.create(corpus, small);
    const torch = exportTorch(t.snapshot());
    const named = (e: unknown) =>
      refused(/^the checkpoint is a model in the PyTorch layout, not a charrnn checkpoint$/, 'input')(e) &&
      /readAnyCheckpoint/.test((e as CharrnnError).hint); // not 'check the path, or save it again'
    assert.throws(() => Trainer.fromCheckpoint(torch), named);
    assert.throws(() => readCheckpoint(torch), named);
    const back = Trainer.restore(readAnyCheckpoint(torch), corpus);
    assert.equal(back.config.hidden, 8);
    assert.ok(Number.isFinite(back.step().loss));
  });
});

describe('settings and names a program gets wrong', () => {
  const untyped = <T>(x: unknown) => x as T;

  it('settings that are not an object are named, not a TypeError', () => {
    for (const bad of [null, 'hidden=8', 5, [8]]) {
      const settings = untyped<Partial<TrainConfig>>(bad);
      const named = refused(/^the settings must be an object of TrainConfig's keys, got /);
      assert.throws(() => resolveConfig(settings), named);
      assert.throws(() => presetConfig('char-lstm', settings), named);
      assert.throws(() => Trainer.create(corpus, settings), named);
    }
    assert.equal(resolveConfig(undefined).hidden, 100);
  });

  it('parseOption names an unknown setting, and wants text', () => {
    assert.throws(
      () => parseOption(untyped<keyof TrainConfig>('hiden'), '8'),
      refused(/^unknown setting 'hiden'$/),
    );
    assert.throws(
      () => parseOption('hidden', untyped<string>(8)),
      refused(/^parseOption parses text: give the value of hidden as a string, got 8$/),
    );
    assert.equal(parseOption('hidden', ' 8 '), 8);
  });

  it('defaultPreset names an unknown model kind instead of returning undefined', () => {
    assert.throws(
      () => defaultPreset(untyped<ModelKind>('transformer')),
      refused(/^unknown model kind 'transformer'$/),
    );
    assert.equal(defaultPreset('gru').name, 'char-gru');
    assert.equal(defaultPreset().name, 'min-char-rnn');
  });

  it('Trainer.create takes a corpus: a string is named, with what to call', () => {
    for (const bad of [text, null, { ids: [1, 2] }]) {
      assert.throws(
        () => Trainer.create(untyped<typeof corpus>(bad), small),
        refused(/^Trainer.create takes a corpus, got .*$/),
      );
    }
    const t = Trainer.create(corpus, small);
    assert.throws(
      () => t.setData(untyped<typeof corpus>(text)),
      refused(/^setData takes a corpus, got 'hello/),
    );
    assert.throws(() => t.score(untyped<typeof corpus>(text)), refused(/^score takes a corpus, got 'hello/));
    assert.throws(
      () => Trainer.fromCheckpoint(t.toCheckpoint(), untyped<typeof corpus>(text)),
      refused(/^setData takes a corpus/),
    );
  });
});

describe('calls out of order', () => {
  const withVal = { ...small, valFraction: 0.5, seqLength: 10, evalChars: 0 };
  const trained = () => {
    const t = Trainer.create(corpus, withVal);
    for (let i = 0; i < 5; i++) t.step();
    return t;
  };
  const during = refused(/^an evaluation of this trainer is in progress$/);

  it('an evaluation in progress refuses a step, new data and a second evaluation, and keeps the training states', () => {
    const t = trained();
    const twin = trained();
    const run = t.evaluation();
    run.next();
    assert.throws(() => t.step(), during);
    assert.throws(() => t.setData(corpus), during);
    // a second evaluation used to overwrite the held training states, then throw a TypeError
    assert.throws(() => t.evaluation().next(), during);
    assert.throws(() => t.evaluate(), during);
    for (let r = run.next(); !r.done; r = run.next());
    // sampling, scoring and checkpoints are fine during an evaluation; after it, training goes on as if
    // there had been none
    assert.equal(t.evaluate().valLoss, twin.evaluate().valLoss);
    assert.equal(t.step().loss, twin.step().loss);
  });

  it("a checkpoint event's bytes read after the next event: a usage error", () => {
    const run = new RunLoop(Trainer.create(corpus, { ...small, iters: 1 }), { checkpoints: true });
    let checkpoint: { bytes: Uint8Array } | undefined;
    for (let e = run.next(); e; e = run.next()) if (e.type === 'checkpoint') checkpoint = e;
    assert.throws(
      () => checkpoint!.bytes,
      refused(/^a checkpoint event's bytes were first read after the next event was asked for$/),
    );
  });
});

describe("a trainer's settings", () => {
  it('are read-only, in the typings and at run time: a change would not be honoured, nor checked', () => {
    const t = Trainer.create(corpus, small);
    // @ts-expect-error the typings refuse it (TrainConfig's fields are writable, the trainer's are not)
    assert.throws(() => (t.config.lr = Number.NaN), TypeError);
    assert.throws(() => ((t.config as TrainConfig).hidden = 5), TypeError);
    assert.equal(t.config.lr, 0.1);
    assert.equal(t.config.hidden, 8);
    assert.ok(Number.isFinite(t.step().loss));
    // a resume is how a setting changes, checked
    const again = Trainer.fromCheckpoint(t.toCheckpoint(), corpus, { lr: 0.05 });
    assert.equal(again.config.lr, 0.05);
    assert.deepEqual(again.changedOnResume, ['lr']);
  });

  it('counters a program set by hand to what no file can hold are refused at the save, before a byte is written', () => {
    const cases: [string, (t: Trainer) => void, RegExp][] = [
      ['a fractional iteration', (t) => (t.iter = 1.5), /progress 'iter' is 1\.5, not a whole number/],
      ['a fractional position', (t) => (t.position = 2.5), /progress 'position' is 2\.5/],
      ['a loss of NaN', (t) => (t.smoothLoss = Number.NaN), /progress 'smoothLoss' is NaN/],
      ['a best after the iteration', (t) => (t.bestValIter = 99), /'bestValIter' is 99, after its 'iter' 1/],
      ['a negative training time', (t) => (t.trainSeconds = -2), /progress 'trainSeconds' is -2/],
    ];
    for (const [what, set, pattern] of cases) {
      const t = Trainer.create(corpus, small);
      t.step();
      const good = t.toCheckpoint();
      set(t);
      assert.throws(() => t.toCheckpoint(), refused(pattern), what);
      assert.throws(() => writeCheckpoint(t.snapshot()), refused(pattern), what);
      // what is written can be read back: the good file is, and a file of the bad one is not written at all
      assert.equal(readCheckpoint(good).progress.iter, 1);
    }
  });
});

describe('threads without a host', () => {
  it("names what to pass: nodeHost from 'charrnn/node', or threads 1", () => {
    assert.throws(
      () => Trainer.create(corpus, { ...small, batch: 2, threads: 2 }),
      (e: unknown) =>
        refused(/^--threads 2 needs worker threads, and no host was given to start them$/)(e) &&
        /nodeHost from 'charrnn\/node'/.test((e as CharrnnError).hint),
    );
    // a time preset sets 2 threads: the same message
    assert.throws(
      () => Trainer.create(corpus, presetConfig('shakespeare-5min', { hidden: 8, batch: 2 })),
      /no host was given/,
    );
    // with one, they start
    const t = Trainer.create(corpus, { ...small, batch: 2, threads: 2 }, nodeHost);
    try {
      assert.ok(Number.isFinite(t.step().loss));
    } finally {
      t.close();
    }
  });
});

describe('the other arguments a program passes', () => {
  const untyped = <T>(x: unknown) => x as T;

  it("Trainer.create's split: a validation start outside the text is a usage error, not a RangeError", () => {
    for (const valFrom of [-5, 5000, 1.5, Number.NaN, '300']) {
      assert.throws(
        () => Trainer.create(corpus, small, undefined, { valFrom: untyped<number>(valFrom) }),
        refused(/^the validation split must start within the text's 1020 characters, got /),
      );
    }
    const t = Trainer.create(corpus, small, undefined, { valFrom: 500 });
    assert.deepEqual(t.validationChars, { scored: 500, total: 500 });
  });

  it('RunLoop options: a misspelt one is named instead of ignored (no checkpoints, silently)', () => {
    const t = Trainer.create(corpus, { ...small, iters: 2 });
    assert.throws(
      () => new RunLoop(t, untyped<RunOptions>({ checkpoint: true })),
      refused(/^unknown run option 'checkpoint'$/),
    );
    assert.throws(
      () => new RunLoop(t, untyped<RunOptions>({ checkpoints: 'yes' })),
      refused(/^the run option checkpoints must be true or false, got 'yes'$/),
    );
    assert.throws(
      () => new RunLoop(t, untyped<RunOptions>(null)),
      refused(/^the run options must be an object, got null$/),
    );
    assert.throws(
      () => new RunLoop(untyped<Trainer>(corpus)),
      refused(/^RunLoop takes a Trainer, got an object$/),
    );
    const events: string[] = [];
    const run = new RunLoop(t, { checkpoints: true, evalAtStart: false });
    for (let e = run.next(); e; e = run.next()) events.push(e.type);
    assert.deepEqual(events, ['step', 'step', 'checkpoint', 'finished']);
  });

  it('the exporters and Trainer.restore take a Checkpoint: the bytes of one are named, with what reads them', () => {
    const t = Trainer.create(corpus, small);
    const bytes = t.toCheckpoint();
    const named = (who: string) =>
      refused(
        new RegExp(
          `^${who} takes a Checkpoint \\(readAnyCheckpoint\\(bytes\\) or trainer.snapshot\\(\\)\\), got a Uint8Array$`,
        ),
      );
    assert.throws(() => exportTorch(untyped<Checkpoint>(bytes)), named('exportTorch'));
    assert.throws(() => exportOnnx(untyped<Checkpoint>(bytes)), named('exportOnnx'));
    assert.throws(() => writeCheckpoint(untyped<Checkpoint>(bytes)), named('writeCheckpoint'));
    assert.throws(() => Trainer.restore(untyped<Checkpoint>(bytes)), named('Trainer.restore'));
    assert.throws(
      () => exportTorch(untyped<Checkpoint>(null)),
      refused(/^exportTorch takes a Checkpoint .*got null$/),
    );
    const ck = readAnyCheckpoint(bytes);
    assert.ok(exportTorch(ck).length > 0 && exportOnnx(ck).length > 0);
    assert.deepEqual(writeCheckpoint(ck), bytes);
    assert.equal(Trainer.restore(ck).config.hidden, 8);
  });
});

describe("'charrnn/node' called from JavaScript", () => {
  it("readBytes and readText name the file without the what argument (not 'undefined')", () => {
    const missing = '/nonexistent-charrnn-test/file';
    const untypedRead = (read: (path: string, what: string) => unknown) => () =>
      (read as unknown as (path: string) => unknown)(missing);
    assert.throws(
      untypedRead(readBytes),
      refused(/^the file '\/nonexistent-charrnn-test\/file' does not exist$/, 'input'),
    );
    assert.throws(
      untypedRead(readText),
      refused(/^the text file '\/nonexistent-charrnn-test\/file' does not exist$/, 'input'),
    );
  });
});

describe('a host that is not one', () => {
  it('is named, so that a split passed third (it goes fourth) is not ignored', () => {
    const split = { valFrom: 900 } as unknown as Host;
    const named = refused(/^the host must be a Host \(parallelism and spawnShard\), got an object$/);
    assert.throws(() => Trainer.create(corpus, small, split), named);
    const bytes = Trainer.create(corpus, small).toCheckpoint();
    assert.throws(() => Trainer.fromCheckpoint(bytes, corpus, {}, 'the checkpoint', split), named);
    assert.equal(Trainer.create(corpus, small, undefined, { valFrom: 900 }).hasValidation, true);
  });

  it('each part a Host needs is checked: an object, spawnShard a function, parallelism a number', () => {
    const spawnShard = () => () => {};
    for (const [bad, shown] of [
      [null, 'null'],
      [spawnShard, 'a function'],
      [{ parallelism: 2 }, 'an object'],
      [{ spawnShard }, 'an object'],
      [{ spawnShard, parallelism: '2' }, 'an object'],
    ] as const) {
      const named = refused(
        new RegExp(`^the host must be a Host \\(parallelism and spawnShard\\), got ${shown}$`),
      );
      assert.throws(() => Trainer.create(corpus, small, bad as unknown as Host), named);
    }
  });

  it('threads 0: the most threads the host runs that split the batch evenly', () => {
    const started = (batch: number, parallelism: number) => {
      let n = 0;
      const host: Host = {
        parallelism,
        spawnShard: () => {
          n++;
          return () => {};
        },
      };
      const t = Trainer.create(corpus, { ...small, batch, threads: 0 }, host);
      const threads = t.config.threads;
      t.close();
      return [threads, n];
    };
    assert.deepEqual(started(4, 2), [2, 1]);
    assert.deepEqual(started(3, 2), [1, 0], '3 streams do not split over 2 threads');
    assert.deepEqual(started(6, 4), [3, 2], 'not 4: 6 streams split over 3');
    assert.deepEqual(started(1, 2), [1, 0]);
    assert.equal(Trainer.create(corpus, { ...small, batch: 4, threads: 0 }).config.threads, 1, 'no host: 1');
  });
});

describe('presetConfig', () => {
  it('names an unknown preset and lists the known ones', () => {
    const names = PRESETS.map((p) => p.name);
    assert.ok(names.includes('min-char-rnn') && names.includes('shakespeare-5min'));
    assert.throws(
      () => presetConfig('char-lsmt'),
      (e: unknown) => {
        refused(/^unknown preset 'char-lsmt'$/)(e);
        assert.equal((e as CharrnnError).hint, `choose one of: ${names.join(', ')}`);
        return true;
      },
    );
    assert.equal(presetConfig('char-gru', { hidden: 8 }).model, 'gru');
  });
});

describe('sample arguments', () => {
  it('a prime that is not a string is named (it was a TypeError: not iterable)', () => {
    const t = Trainer.create(corpus, small);
    for (const prime of [5, null, ['h']]) {
      assert.throws(
        () => [...t.sample(5, prime as unknown as string)],
        refused(/^the prime text must be a string, got /),
      );
    }
    assert.equal([...t.sample(5, 'hello')].length, 5);
    assert.equal([...t.sample(5)].length, 5);
  });
});

// The options fuzzer, in process: every setting of the core's table (OPTIONS in training/config.ts) with
// random text through parseOption (what the CLI's flags and the page's form call), random configurations
// through resolveConfig and resumeChanges, and random sampling options and prime texts through
// Trainer.sample. Each must be accepted or refused with one line, and accepted exactly when an
// independent reading of the table says the value is in range: a number (an integer for 'int') within
// min/max (above min when `above`), Infinity only where `infinity` allows it, one of the choices.
import { corpusFromString } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import {
  type ConfigKey,
  DEFAULTS,
  OPTIONS,
  type OptionSpec,
  parseOption,
  resolveConfig,
  resumeChanges,
  type TrainConfig,
} from '../../src/training/config.js';
import { Trainer } from '../../src/training/trainer.js';
import { check, type Target } from './harness.js';
import type { Rand } from './random.js';

/** Whether the table allows `v` for `spec`, read independently of config.ts's checks. */
export function specAllows(spec: OptionSpec, v: unknown): boolean {
  if (v === undefined) return spec.optional === true;
  if (spec.type === 'choice') return typeof v === 'string' && spec.choices!.includes(v);
  if (typeof v !== 'number' || Number.isNaN(v)) return false;
  if (v === Infinity) return spec.infinity === true;
  if (!Number.isFinite(v)) return false;
  if (spec.type === 'int' && !Number.isSafeInteger(v)) return false;
  if (spec.min !== undefined && (spec.above ? !(v > spec.min) : !(v >= spec.min))) return false;
  if (spec.max !== undefined && v > spec.max) return false;
  return true;
}

/** What a text means as a number, the way the README documents flags: a JavaScript number, or off. */
function numberOf(spec: OptionSpec, text: string): number {
  const s = text.trim();
  if (spec.infinity && ['off', 'infinity', 'inf'].includes(s.toLowerCase())) return Infinity;
  return s === '' ? Number.NaN : Number(s);
}

const NUMBER_TEXTS = [
  '0',
  '1',
  '-1',
  '-0',
  '+3',
  '1.5',
  '.5',
  '5.',
  '1e3',
  '1E-3',
  '0x10',
  '0b11',
  '0o7',
  '1_000',
  ' 7 ',
  '\t8\n',
  '',
  ' ',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  'INF',
  'off',
  'Off',
  'on',
  '5abc',
  '١٢',
  '９',
  '1e309',
  '-1e309',
  '9007199254740993',
  '9007199254740991',
  '4294967295',
  '4294967296',
  '16384',
  '16385',
  '65536',
  '100000',
  '0.99',
  '0.9',
  '1e-320',
  '2.5e-324',
  '00012',
  '1/2',
  'x\ny',
  '\u0000',
  '\u2028',
  '9'.repeat(400),
];

function textFor(rand: Rand, spec: OptionSpec): string {
  const edges: string[] = [];
  for (const v of [spec.min, spec.max]) {
    if (v === undefined) continue;
    edges.push(String(v), String(v + 1), String(v - 1), String(v + 0.5), String(v - 1e-9), String(v * 10));
  }
  const choices = spec.choices
    ? [...spec.choices, ...spec.choices.map((c) => ` ${c.toUpperCase()} `), 'none', '']
    : [];
  if (spec.choices && rand.chance(0.6)) return rand.pick(choices);
  return rand.weighted<() => string>([
    [4, () => rand.pick([...edges, ...choices, ...NUMBER_TEXTS])],
    [1, () => String(rand.float() * 10 ** rand.range(-5, 8))],
    [1, () => String(rand.range(-5, 70000))],
    [1, () => String.fromCodePoint(...Array.from({ length: rand.range(0, 6) }, () => rand.range(0, 0x2fff)))],
  ])();
}

/** Values of every type for resolveConfig, each key's edges and choices weighted up. */
function valueFor(rand: Rand, spec: OptionSpec): unknown {
  const own: unknown[] = [];
  if (spec.min !== undefined) own.push(spec.min, spec.min - 1, spec.min + 0.5);
  if (spec.max !== undefined) own.push(spec.max, spec.max + 1);
  if (spec.choices) own.push(...spec.choices, 'bogus', spec.choices[0]!.toUpperCase());
  own.push(DEFAULTS[spec.key]);
  return rand.weighted<() => unknown>([
    [6, () => rand.pick(own)],
    [
      2,
      () =>
        rand.pick<unknown>([
          undefined,
          null,
          Number.NaN,
          Infinity,
          -Infinity,
          -0,
          1.5,
          '1',
          true,
          [],
          {},
          2 ** 53,
          1e308,
          'off',
          Symbol('s'),
          () => 1,
          12n,
        ]),
    ],
    [1, () => rand.range(0, 300)],
  ])();
}

function oneLine(e: unknown): CharrnnError {
  if (!(e instanceof CharrnnError)) throw e;
  return e;
}

/** What resolveConfig must do, from the table and the README's rules between settings. */
function expectResolve(overrides: Record<string, unknown>, base: Record<string, unknown>): boolean {
  for (const k of [...Object.keys(base), ...Object.keys(overrides)])
    if (!OPTIONS.some((s) => s.key === k)) return false;
  const c: Record<string, unknown> = { ...DEFAULTS };
  for (const from of [base, overrides])
    for (const [k, v] of Object.entries(from)) if (v !== undefined) c[k] = v;
  if (!OPTIONS.every((s) => specAllows(s, c[s.key]))) return false;
  const t = c as unknown as TrainConfig;
  if (t.threads > 0 && t.batch % t.threads !== 0) return false;
  const decays = t.schedule === 'cosine' || t.schedule === 'linear';
  if (decays && t.decayIters === 0 && t.timeLimit === 0 && t.iters === 0) return false;
  if (decays && t.warmup > 0 && t.decayIters > 0 && t.decayIters <= t.warmup) return false;
  return true;
}

let sampler: Trainer | undefined;

function samplingTrainer(): Trainer {
  sampler ??= Trainer.create(corpusFromString('abcdefgh ijk\n'.repeat(5)), {
    hidden: 6,
    seed: 1,
    threads: 1,
  });
  return sampler;
}

export const optionsTarget: Target = {
  name: 'options',
  make(rand) {
    const kind = rand.weighted([
      [5, 'parse'],
      [3, 'resolve'],
      [1, 'resume'],
      [2, 'sample'],
    ]);
    if (kind === 'parse') {
      const spec = rand.pick(OPTIONS);
      const text = textFor(rand, spec);
      return {
        mutation: `parseOption(${spec.key}, ${JSON.stringify(text).slice(0, 60)})`,
        inputBytes: text.length * 3,
        run: () => {
          const expected = spec.type === 'choice' ? text.trim() : numberOf(spec, text);
          const allowed = specAllows(spec, expected);
          let value: unknown;
          try {
            value = parseOption(spec.key, text);
          } catch (e) {
            oneLine(e);
            check(!allowed, 'in-range value refused', (e as Error).message);
            throw e;
          }
          check(allowed, 'out-of-range value accepted', `got ${String(value)}`);
          check(Object.is(value, expected), 'value differs', `${String(value)} vs ${String(expected)}`);
          return { category: `${spec.type} accepted` };
        },
      };
    }
    if (kind === 'resolve' || kind === 'resume') {
      const pick = () => {
        const out: Record<string, unknown> = {};
        for (let n = rand.range(0, 4); n > 0; n--) {
          if (rand.chance(0.05)) out[rand.pick(['bogus', '__proto__', 'toString', 'Hidden'])] = 1;
          else {
            const spec = rand.pick(OPTIONS);
            out[spec.key] = valueFor(rand, spec);
          }
        }
        return out;
      };
      const overrides = pick();
      const base = rand.chance(0.3) ? pick() : {};
      const describe = (o: Record<string, unknown>) =>
        Object.entries(o)
          .map(
            ([k, v]) =>
              `${k}=${typeof v === 'symbol' || typeof v === 'bigint' ? String(v) : JSON.stringify(v)}`,
          )
          .join(' ');
      if (kind === 'resume') {
        return {
          mutation: `resumeChanges(defaults, ${describe(overrides)})`,
          inputBytes: 1000,
          run: () => {
            const saved = resolveConfig({ seed: 1 });
            let changed: ConfigKey[];
            try {
              changed = resumeChanges(saved, overrides as Partial<TrainConfig>);
            } catch (e) {
              oneLine(e);
              throw e;
            }
            for (const k of changed) {
              const spec = OPTIONS.find((s) => s.key === k)!;
              check(spec.onResume === 'free', 'a fixed setting changed on resume', k);
            }
            for (const [k, v] of Object.entries(overrides)) {
              const spec = OPTIONS.find((s) => s.key === k);
              const differs = v !== undefined && !Object.is(v, saved[k as ConfigKey]);
              if (differs && spec?.onResume === 'free')
                check(changed.includes(k as ConfigKey), 'a change not reported', k);
            }
            return { category: changed.length > 0 ? 'resume with changes' : 'resume unchanged' };
          },
        };
      }
      return {
        mutation: `resolveConfig(${describe(overrides)}${Object.keys(base).length ? `; base ${describe(base)}` : ''})`,
        inputBytes: 1000,
        run: () => {
          const allowed = expectResolve(overrides, base);
          let c: TrainConfig;
          try {
            c = resolveConfig(overrides as Partial<TrainConfig>, base as Partial<TrainConfig>);
          } catch (e) {
            oneLine(e);
            check(!allowed, 'a valid configuration refused', (e as Error).message);
            throw e;
          }
          check(allowed, 'an invalid configuration accepted', JSON.stringify(c));
          for (const [k, v] of Object.entries(overrides))
            if (v !== undefined) check(Object.is(c[k as ConfigKey], v), 'an override lost', k);
          return { category: 'configuration accepted' };
        },
      };
    }
    // sampling: options and a prime text
    const options: Record<string, unknown> = {};
    if (rand.chance(0.6))
      options.temperature = rand.pick<unknown>([
        1,
        0.5,
        2,
        1e-3,
        1e-30,
        1e-300,
        5e-324,
        1e300,
        0,
        -1,
        Number.NaN,
        Infinity,
      ]);
    if (rand.chance(0.4))
      options.topK = rand.pick<unknown>([0, 1, 2, 13, 14, 1000, -1, 1.5, Number.NaN, Infinity]);
    if (rand.chance(0.4))
      options.topP = rand.pick<unknown>([1, 0.5, 0.9, 1e-9, 0, 1.0000001, -0.1, Number.NaN]);
    if (rand.chance(0.2)) options.argmax = true;
    const prime = rand.pick([
      '',
      'a',
      'abc ',
      'hijk\n',
      'z',
      '\u{1f600}',
      '\ud800',
      'a\u0000',
      '\u2028',
      '\u0085',
      'ab'.repeat(300),
    ]);
    const length = rand.pick([0, 1, 50]);
    return {
      mutation: `sample(${length}, ${JSON.stringify(prime).slice(0, 20)}, ${JSON.stringify(options)})`,
      inputBytes: 1000 + prime.length * 3,
      run: () => {
        const t = samplingTrainer();
        const T = options.temperature as number | undefined;
        const allowed =
          (T === undefined || (T > 0 && Number.isFinite(T))) &&
          (options.topK === undefined || (Number.isInteger(options.topK) && (options.topK as number) >= 0)) &&
          (options.topP === undefined || ((options.topP as number) > 0 && (options.topP as number) <= 1));
        let text: string[];
        try {
          text = [...t.sample(length, prime, options)];
        } catch (e) {
          oneLine(e);
          const outside = [...prime].some((ch) => t.vocab.id(ch.codePointAt(0)!) === undefined);
          check(!allowed || outside, 'valid sampling options refused', (e as Error).message);
          throw e;
        }
        check(allowed, 'invalid sampling options accepted', JSON.stringify(options));
        check(text.length === length, 'sample length', `${text.length} characters`);
        const tiny = T !== undefined && T < 1e-30 && options.topK === undefined && options.topP === undefined;
        if (tiny && !options.argmax) {
          // a temperature near 0 is argmax
          const greedy = [...t.sample(length, prime, { argmax: true })];
          check(
            text.join('') === greedy.join(''),
            'a tiny temperature is not argmax',
            JSON.stringify(text.join('')),
          );
        }
        return { category: 'sampled' };
      },
    };
  },
};

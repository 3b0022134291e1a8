// The README stays true to the code where drift is easy: every option of `charrnn train` and every preset
// is in its tables, and the library example's exports are the ones the package has.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import * as api from '../src/index.js';
import { OPTIONS, resolveConfig } from '../src/training/config.js';
import { PRESET_NAMES, presetConfig } from '../src/training/presets.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

it('documents every flag of charrnn train and every preset', () => {
  const missing = OPTIONS.filter(
    (o) => o.flag && !readme.includes(`| \`${o.flag} `) && !readme.includes(`\`${o.flag} `),
  )
    .map((o) => o.flag)
    .concat(PRESET_NAMES.filter((n) => !readme.includes(`| \`${n}\``)));
  assert.deepEqual(missing, []);
  for (const o of OPTIONS.filter((x) => !x.flag))
    assert.ok(readme.includes(`\`${o.key}\``), `setting ${o.key}`);
});

it("names every export of 'charrnn' in its library section", () => {
  const section = readme.slice(readme.indexOf('## Library'), readme.indexOf('## One pipeline'));
  const missing = Object.keys(api).filter(
    (name) => !section.includes(`\`${name}\``) && !section.includes(name),
  );
  assert.deepEqual(missing, []);
});

/**
 * One cell of the option table's default columns as a setting's value: `off` is no limit (null), a
 * number is a number, anything else is the word itself.
 */
function cellValue(cell: string): unknown {
  if (cell === 'off') return null;
  return /^-?[0-9.e-]+$/.test(cell) ? Number(cell) : cell;
}

it("gives the defaults of min-char-rnn, char-lstm and shakespeare-5min in train's option table", () => {
  const seed = resolveConfig(presetConfig('min-char-rnn'));
  const lstm = resolveConfig(presetConfig('char-lstm'));
  const fast = resolveConfig(presetConfig('shakespeare-5min'));
  const wrong: string[] = [];
  let checked = 0;
  for (const o of OPTIONS) {
    if (!o.flag || ['--model', '--optimizer', '--seed', '--backend'].includes(o.flag)) continue;
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${o.flag} `));
    if (!row) continue;
    const [, first, second] = row.split(' | ').map((c) => c.trim());
    if (!first || /[,|]/.test(first)) continue; // blank, or several settings in one row
    const m = /^(\S+)(?: \((\S+)\))?$/.exec(second);
    if (!m) continue;
    const [, recipe, bracketed] = m;
    const expect = [
      ['min-char-rnn', seed, first],
      ['char-lstm', lstm, recipe],
      ['shakespeare-5min', fast, bracketed ?? recipe],
    ] as const;
    for (const [name, config, cell] of expect) {
      const actual = (config as unknown as Record<string, unknown>)[o.key];
      const documented = cellValue(cell);
      const same = actual === documented || (documented === null && actual === Number.POSITIVE_INFINITY);
      if (!same) wrong.push(`${o.flag}: ${name} is ${String(actual)}, the README says ${cell}`);
      checked++;
    }
  }
  assert.ok(checked >= 60, `only ${checked} cells checked`);
  assert.deepEqual(wrong, []);
});

it('shows the line at the end of charrnn train as the CLI prints it now, in every example', () => {
  // a format changed in src/cli/progress.ts (summaryLine) and not in the README's examples fails here
  const duration = String.raw`(?:\d+\.\d s|\d+ min \d\d s|\d+ h \d\d min)`;
  const files = String.raw`(?:saved '[^']+'(?:, best '[^']+')?(?:, log '[^']+' \(\d+ lines?\))?|no files written)`;
  const format = new RegExp(
    String.raw`^charrnn: (?:stopped|interrupted|stopped early \(--patience\)) at iteration \d+ \(\d+ in this run, ` +
      String.raw`${duration}, training ${duration}\); \d+\.\d iter/s, \d+ chars/s \(\d+ chars/s while training\); ` +
      String.raw`smooth loss \d+\.\d{6}(?:; best val loss \d+\.\d{4} nats/char \(\d+\.\d{4} bits/char\) at iteration \d+)?; ` +
      `${files}$`,
  );
  const lines = readme.split('\n').filter((l) => /^charrnn: (?:stopped|interrupted) /.test(l));
  assert.ok(lines.length >= 2, `only ${lines.length} examples of the line found`);
  const stale = lines.filter((l) => !format.test(l));
  assert.deepEqual(stale, [], 'README lines unlike what charrnn train prints at the end');
});

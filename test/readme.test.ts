// The README stays true to the code where drift is easy: every option of `charrnn train` and every preset
// is in its tables, and the library example's exports are the ones the package has.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import * as api from '../src/index.js';
import { OPTIONS } from '../src/training/config.js';
import { PRESET_NAMES } from '../src/training/presets.js';

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

// Presets are data: every one must resolve to a valid configuration, and its one-line description (shown
// by `--help` and in the page) must not drift from its settings: the cell, the width, dropout, AdamW and
// its weight decay, the learning rate it names, and the time budget a "N-minute" preset promises.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESETS, presetConfig } from '../../src/training/presets.js';

/** `phrase` in `text`, not as the start of a longer number ("dropout 0.2" is not in "dropout 0.25"). */
function says(text: string, phrase: string): boolean {
  return new RegExp(`${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\d.])`).test(text);
}

describe('presets', () => {
  for (const p of PRESETS) {
    it(`${p.name}: resolves, and its description says what it sets`, () => {
      const cfg = presetConfig(p.name);
      const d = p.description;
      assert.ok(d.includes(cfg.model.toUpperCase()), `${p.name}: the description does not name ${cfg.model}`);
      assert.match(
        d,
        new RegExp(`\\b${cfg.hidden}\\b`),
        `${p.name}: the description does not give hidden ${cfg.hidden}`,
      );
      if (cfg.layers > 1)
        assert.ok(says(d, `${cfg.layers}-layer`), `${p.name}: ${cfg.layers} layers not said`);
      if (cfg.dropout > 0)
        assert.ok(says(d, `dropout ${cfg.dropout}`), `${p.name}: dropout ${cfg.dropout} not said`);
      else assert.ok(!d.includes('dropout'), `${p.name}: the description names dropout, the preset has none`);
      const adamw = cfg.optimizer === 'adamw';
      assert.equal(d.includes('AdamW'), adamw, `${p.name}: AdamW said ${d.includes('AdamW')}, set ${adamw}`);
      if (adamw) assert.ok(says(d, `weight decay ${cfg.weightDecay}`), `${p.name}: weight decay not said`);
      const rate = /\b(Adagrad|AdamW|Adam|RMSProp|SGD) (\d[\d.e-]*)/.exec(d);
      if (rate) {
        assert.equal(
          Number(rate[2]),
          cfg.lr,
          `${p.name}: the description says ${rate[0]}, the lr is ${cfg.lr}`,
        );
      }
      const budget = /(\d+)-minute budget/.exec(d);
      if (budget) {
        assert.equal(cfg.timeLimit, Number(budget[1]) * 60, `${p.name}: a ${budget[1]}-minute budget`);
        assert.ok(says(d, `--time-limit ${cfg.timeLimit}`), `${p.name}: --time-limit not said`);
      }
    });
  }
});

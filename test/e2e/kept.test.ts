// End to end, the kept models in everyday use (test/e2e/page.ts builds, serves and drives the page), each
// test in a fresh browser context with no error in the console: two tabs of the page open at once share
// the list (a model kept or deleted in one shows in the other at once, and a model gone from the store
// when its row is pressed is one line, and its row goes); an entry written by another build, without the
// fields this one shows (or with them as something else), is listed with what it has, '?' for the rest,
// and loads and downloads; the site's data cleared while the page is open (the browser closes its store) empties
// the list, and Save model and Delete work on, with no alert. A reload in the middle of training keeps the
// model in training (its checkpoint at most 5 s old; at a pause, exactly where it paused) as '<text>
// (recovered at N)', which continues from there; one kept by Save model at that iteration, or Reset, is not
// kept twice; a tab closed while another is open: the other lists its model in training. A checkpoint
// loaded over a model in training (a kept model's Load or Continue, a file) keeps that model first, unless
// Save model kept it where it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { alertShows, fillFields, keptRow, probe, root, shared, until, WAIT } from './page.js';

const SEED = join(root, 'test/fixtures/v1/seed.ckpt');

/** A fresh browser context, closed after the test, which then fails on any error in any of its pages. */
async function openContext(t: TestContext): Promise<{ context: BrowserContext; open: () => Promise<Page> }> {
  const { url, browser } = await shared();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  t.after(async () => {
    await context.close();
    assert.deepEqual(errors, [], 'no uncaught error and no console error in the page');
  });
  const open = async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.goto(url);
    await until(page, 'the worker to be ready', (p) => p.ready);
    return page;
  };
  return { context, open };
}

/** Loads the version-1 seed checkpoint and keeps it under `name`. */
async function keepSeed(page: Page, name: string, kept: number): Promise<void> {
  await page.locator('#checkpoint-file').setInputFiles(SEED);
  await until(page, 'the checkpoint to load', (p) => p.state === 'loaded');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Save model' }).click();
  await until(page, `${kept} kept models`, (p) => p.kept === kept);
}

test('two tabs share the list: kept or deleted in one, shown in the other at once', async (t) => {
  const { open } = await openContext(t);
  const a = await open();
  const b = await open();
  await keepSeed(a, 'from tab A', 1);
  await until(b, 'tab B to list the model tab A kept', (p) => p.kept === 1);
  await keptRow(b, 'from tab A').row.waitFor();
  await keepSeed(b, 'from tab B', 2);
  await until(a, 'tab A to list the model tab B kept', (p) => p.kept === 2);
  await keptRow(a, 'from tab B').button('Delete').click();
  await until(b, 'tab B to drop the model tab A deleted', (p) => p.kept === 1);
  assert.deepEqual(await b.locator('#kept-rows .kept-name').allTextContents(), ['from tab A']);

  // a model gone from the store without a word (a browser that has no BroadcastChannel, storage cleared):
  // pressing its row says so in one line, and its row goes
  await b.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('charrnn');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction(['models', 'checkpoints'], 'readwrite');
    tx.objectStore('models').clear();
    tx.objectStore('checkpoints').clear();
    await new Promise((resolve) => {
      tx.oncomplete = resolve;
    });
    db.close();
  });
  assert.equal((await probe(a)).kept, 1, 'tab A still lists it');
  await keptRow(a, 'from tab A').button('Load').click();
  await alertShows(a, /^that model is no longer kept; it was deleted, maybe in another tab$/);
  await until(a, 'its row to go', (p) => p.kept === 0);
  assert.equal(await a.locator('#kept').isVisible(), false);
});

test('entries written by another build, missing fields, are listed with what they have, and load', async (t) => {
  const { open } = await openContext(t);
  const page = await open();
  const seed = [...readFileSync(SEED)];
  // as a build that kept fewer fields would have (and one that kept none, one with nulls)
  await page.evaluate(async (bytes) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('charrnn', 1);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction(['models', 'checkpoints'], 'readwrite');
    const models = tx.objectStore('models');
    const entries = [
      { name: 'older', model: 'rnn', layers: 1, hidden: 24, iter: 300 },
      {},
      { name: 'nulls', model: null, layers: null, hidden: null, iter: null, valLoss: null, savedAt: null },
    ];
    for (const e of entries) {
      const add = models.add(e);
      add.onsuccess = () => tx.objectStore('checkpoints').put(Uint8Array.from(bytes), add.result);
    }
    await new Promise((resolve) => {
      tx.oncomplete = resolve;
    });
    db.close();
  }, seed);
  await page.reload();
  await until(page, 'the three entries', (p) => p.ready && p.kept === 3);
  const rows = await page
    .locator('#kept-rows tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td:not(.kept-actions)')].map((td) => td.textContent)),
    );
  const id = Number(await page.locator('#kept-rows tr').nth(1).getAttribute('data-id'));
  assert.deepEqual(rows, [
    ['nulls', 'unknown ?×?', '?', '–'],
    [`model ${id}`, 'unknown ?×?', '?', '–'],
    ['older', 'rnn 1×24', '300', '–'],
  ]);
  for (const title of await page
    .locator('#kept-rows tr')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('title') ?? '')))
    assert.doesNotMatch(title, /Invalid|NaN|undefined|1970/, `the row's title: ${title}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    keptRow(page, `model ${id}`).button('Download').click(),
  ]);
  assert.equal(download.suggestedFilename(), `charrnn-model-${id}.safetensors`);
  assert.deepEqual(readFileSync(await download.path()), readFileSync(SEED));
  await keptRow(page, 'nulls').button('Load').click();
  await until(page, 'the entry to load', (p) => p.state === 'loaded' && p.iter === 300);
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
});

test("the site's data cleared while the page is open: the list empties, Save model and Delete work on", async (t) => {
  const { context, open } = await openContext(t);
  const page = await open();
  await keepSeed(page, 'first', 1);
  await keepSeed(page, 'second', 2);
  const { url } = await shared();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(url).origin, storageTypes: 'all' });
  await until(page, 'the list to empty', (p) => p.kept === 0);
  assert.equal(
    await page.locator('#kept-note').textContent(),
    'No models kept yet: Save model keeps the model in this browser.',
  );
  await page.getByRole('button', { name: 'Save model' }).click();
  await until(page, 'a model kept again', (p) => p.kept === 1);
  await keptRow(page, 'seed.ckpt').row.waitFor();
  await keptRow(page, 'seed.ckpt').button('Delete').click();
  await until(page, 'no model kept', (p) => p.kept === 0);
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
  assert.equal((await probe(page)).errors, 0, 'no error shown');
});

/** Starts the seed (one layer of 32, no samples) on the built-in text, and waits for it to run. */
async function startSeed(page: Page): Promise<void> {
  await until(page, 'the built-in text', (p) => p.textChars > 0);
  await fillFields(page, [
    ['--hidden', '32'],
    ['--sample-every', '0'],
  ]);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await until(page, 'the run', (p) => p.state === 'running' && p.iter > 0);
}

test('a reload in the middle of training keeps the model in training, where it was', {
  timeout: 120_000,
}, async (t) => {
  const { open } = await openContext(t);
  const page = await open();
  await startSeed(page);
  // running: the checkpoint the page holds (its first after 5 s) is what a reload keeps
  const held = await until(page, 'a checkpoint held', (p) => p.heldIter !== null, 20_000);
  await page.reload();
  const after = await until(page, 'the model in training kept', (p) => p.ready && p.kept === 1);
  assert.equal(after.recovered, 1);
  const name = (await page.locator('#kept-rows .kept-name').textContent()) ?? '';
  const running = Number(/^the built-in text \(recovered at ([\d,]+)\)$/.exec(name)?.[1]?.replace(/,/g, ''));
  assert.ok(running >= held.heldIter!, `kept at iteration ${running}, the page held ${held.heldIter}`);
  assert.match(
    (await page.locator('#kept-note').textContent()) ?? '',
    /^Kept 'the built-in text \(recovered at [\d,]+\)': the model that was training when the page closed\. Press Continue to go on\.$/,
  );
  // Continue: from there; paused, a reload keeps it exactly where it paused
  await keptRow(page, name).button('Continue').click();
  await until(page, 'the kept model to train on', (p) => p.state === 'running' && p.iter > running);
  assert.equal((await probe(page)).points[0]?.[0], running, 'it goes on from its iteration');
  await page.getByRole('button', { name: 'Pause' }).click();
  const paused = await until(page, 'the pause', (p) => p.state === 'paused' && p.heldIter === p.iter);
  await page.reload();
  await until(page, 'the paused model kept', (p) => p.ready && p.kept === 2);
  await keptRow(
    page,
    `the built-in text (recovered at ${paused.iter.toLocaleString('en-US')})`,
  ).row.waitFor();

  // kept by Save model where it paused: not kept again by a reload; nor after Reset
  await startSeed(page);
  await page.getByRole('button', { name: 'Pause' }).click();
  await until(page, 'the pause', (p) => p.state === 'paused' && p.heldIter === p.iter);
  await page.getByLabel('Name', { exact: true }).fill('saved');
  await page.getByRole('button', { name: 'Save model' }).click();
  await until(page, 'the model saved', (p) => p.kept === 3);
  await page.reload();
  await until(page, 'the worker to be ready', (p) => p.ready && p.kept === 3);
  await startSeed(page);
  await until(page, 'a checkpoint held', (p) => p.heldIter !== null, 20_000);
  await page.getByRole('button', { name: 'Reset' }).click();
  await until(page, 'the reset', (p) => p.state === 'idle');
  await page.reload();
  await until(page, 'the worker to be ready', (p) => p.ready && p.kept === 3);
  await new Promise((r) => setTimeout(r, 1000)); // (a model kept now would be too late: none is)
  assert.equal((await probe(page)).kept, 3, 'nothing kept twice');
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
});

test('a tab closed in the middle of training: another tab open keeps its model in training', {
  timeout: 120_000,
}, async (t) => {
  const { open } = await openContext(t);
  const a = await open();
  await startSeed(a);
  await a.getByRole('button', { name: 'Pause' }).click();
  const paused = await until(a, 'the pause', (p) => p.state === 'paused' && p.heldIter === p.iter);
  const b = await open();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await probe(b)).kept, 0, "tab A's model is its own while it is open");
  await a.close();
  await until(b, "tab A's model kept", (p) => p.kept === 1);
  await keptRow(b, `the built-in text (recovered at ${paused.iter.toLocaleString('en-US')})`).row.waitFor();
});

test('a model loaded over the model in training keeps that model first', { timeout: 120_000 }, async (t) => {
  const { open } = await openContext(t);
  const page = await open();
  await keepSeed(page, 'the seed', 1);
  await page.getByRole('button', { name: 'Reset' }).click();
  await until(page, 'the reset', (p) => p.state === 'idle');
  await startSeed(page);
  await until(page, 'some training', (p) => p.iter >= 100);
  // a kept model's Load, while it runs: the run is kept where it was replaced
  await keptRow(page, 'the seed').button('Load').click();
  await until(page, 'the run kept', (p) => p.state === 'loaded' && p.kept === 2);
  const name = (await page.locator('#kept-rows .kept-name').first().textContent()) ?? '';
  const at = Number(/^the built-in text \(recovered at ([\d,]+)\)$/.exec(name)?.[1]?.replace(/,/g, ''));
  assert.ok(at >= 100, `kept at iteration ${at}`);
  assert.equal(
    await page.locator('#kept-note').textContent(),
    `The model that was training is kept as '${name}' in Kept models: press Continue there to go on.`,
  );
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
  // it continues from there
  await keptRow(page, name).button('Continue').click();
  await until(page, 'it to train on', (p) => p.state === 'running' && p.iter > at);
  assert.equal((await probe(page)).points[0]?.[0], at);
  // kept by Save model where it paused: a file loaded over it keeps nothing more
  await page.getByRole('button', { name: 'Pause' }).click();
  await until(page, 'the pause', (p) => p.state === 'paused');
  await page.getByRole('button', { name: 'Save model' }).click();
  await until(page, 'the model saved', (p) => p.kept === 3);
  await page.locator('#checkpoint-file').setInputFiles(SEED);
  await until(page, 'the file to load', (p) => p.state === 'loaded' && p.iter === 300);
  await new Promise((r) => setTimeout(r, 1000)); // (a model kept now would be too late: none is)
  assert.equal((await probe(page)).kept, 3, 'nothing kept twice');
});

test("the kept list by keyboard and screen reader: each row's buttons are described by its model; the focused file picker shows it", async (t) => {
  const { open } = await openContext(t);
  const page = await open();
  await keepSeed(page, 'first', 1);
  await keepSeed(page, 'second', 2);
  // every button of a row is described by its model's name, so that rows are told apart without their cells
  for (const name of ['first', 'second']) {
    const described = await keptRow(page, name)
      .row.getByRole('button')
      .evaluateAll((bs) =>
        bs.map(
          (b) =>
            `${b.textContent}: ${document.getElementById(b.getAttribute('aria-describedby') ?? '')?.textContent}`,
        ),
      );
    assert.deepEqual(
      described,
      ['Load', 'Continue', 'Download', 'Delete'].map((l) => `${l}: ${name}`),
    );
  }
  // the checkpoint picker is a hidden input behind its label: reached by Tab, the label shows the focus
  const label = page.locator('label[for="checkpoint-file"]');
  const outline = () => label.evaluate((l) => getComputedStyle(l).outlineStyle);
  assert.equal(await outline(), 'none');
  await page.getByRole('button', { name: 'Save model' }).focus();
  for (
    let i = 0;
    i < 20 && !(await page.locator('#checkpoint-file').evaluate((e) => e === document.activeElement));
    i++
  )
    await page.keyboard.press('Shift+Tab');
  assert.ok(
    await page.locator('#checkpoint-file').evaluate((e) => e === document.activeElement),
    'Tab reaches it',
  );
  assert.equal(await outline(), 'solid', 'its label is outlined while it has the focus');
});

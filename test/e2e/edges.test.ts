// End to end, the page at its edges (test/e2e/page.ts builds, serves and drives it), each test in a fresh
// browser context with no error in the console: a checkpoint dropped on the page loads whatever its name (the
// CLI's .ckpt files, a version-1 fixture, a safetensors file named otherwise), an .onnx file dropped is
// refused as a model, not read as a text, and the Load checkpoint picker offers .ckpt files; text dragged onto
// the paste box lands there (the page takes only dropped files); an empty text file is one line that names it
// once, a text of one symbol is described in the singular, and a paste of whitespace is a text, as a file of
// it is; a checkpoint whose run ended by itself (--iters, --time-limit, --patience reached) loads with that
// limit cleared, so Start (continue) trains on instead of refusing; a model in the PyTorch layout (no seed)
// trains on with a status line that does not say 'seed undefined'; a Start waiting for a download that stalls
// is dropped when another text is chosen (Start answers again, and the download, when it ends, starts
// nothing), as it is when a checkpoint loads; a Start that waits trains with the settings as they are when the
// text comes; and a download that stalls is given up after 30 s (one line; Start tries again); --patience
// without a validation split names what the page has to fix it; a double click on Start starts one run and no
// alert, and one on Save model keeps one model; a checkpoint loaded over a run shows nothing of that run (its
// sample, its generated text, why it finished); a checkpoint whose cosine schedule decayed over the limit it
// reached loads (no uncaught error) and continues at its end; a browser whose storage cannot be opened says so
// in one line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Page } from 'playwright-core';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { alertShows, CLI, probe, root, shared, until, WAIT } from './page.js';

/** the CLI's training text of the version-1 fixtures: a small text that trains in a moment */
const CORPUS = join(root, 'test/fixtures/min-char-rnn-corpus.txt');
const V1 = join(root, 'test/fixtures/v1');

/**
 * A fresh context's page, ready (`init` runs in it before the page's scripts); closed after the test, which
 * then fails on any uncaught error or console error.
 */
async function openPage(t: TestContext, init?: () => void): Promise<Page> {
  const { url, browser } = await shared();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(errors, [], 'no uncaught error and no console error in the page');
  });
  await page.goto(url);
  await until(page, 'the worker to be ready', (p) => p.ready);
  return page;
}

/** Drops a file on the page, as a user dragging it from the desktop. */
async function drop(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(data)], name));
      return dt;
    },
    { name, data: [...bytes] },
  );
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/** A checkpoint the CLI writes, as its README names them: `<name>.ckpt` in `dir`. */
function cliCheckpoint(dir: string, name: string, args: string[]): string {
  const path = join(dir, `${name}.ckpt`);
  execFileSync(process.execPath, [CLI, 'train', CORPUS, ...args, '--save', path, '--quiet'], {
    cwd: dir,
    timeout: 60_000,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return path;
}

test('a checkpoint dropped on the page loads, whatever its name; an ONNX file is refused as a model', async (t) => {
  const { work } = await shared();
  const page = await openPage(t);
  const status = page.locator('#status');
  const gru = cliCheckpoint(work, 'drop-gru', [
    ...['--model', 'gru', '--layers', '1', '--hidden', '16', '--batch', '2', '--seq-length', '8'],
    ...['--iters', '30', '--seed', '2', '--sample-every', '0'],
  ]);
  // the CLI's file, named as its README names them
  await drop(page, 'drop-gru.ckpt', readFileSync(gru));
  let loaded = await until(page, 'the dropped .ckpt to load', (p) => p.state === 'loaded');
  assert.deepEqual([loaded.model, loaded.iter], ['gru', 30]);
  await status.filter({ hasText: /^Loaded drop-gru\.ckpt: gru 1×16/ }).waitFor();
  // a version-1 fixture, and the same bytes under a name that says nothing: the file's start tells
  await drop(page, 'seed.ckpt', readFileSync(join(V1, 'seed.ckpt')));
  loaded = await until(page, 'the version-1 seed to load', (p) => p.model === 'rnn' && p.iter === 300);
  await drop(page, 'my-model', readFileSync(gru));
  loaded = await until(page, 'the unnamed checkpoint to load', (p) => p.model === 'gru' && p.iter === 30);
  await status.filter({ hasText: /^Loaded my-model: gru 1×16/ }).waitFor();
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
  assert.equal(await page.locator('#file-name').textContent(), 'none', 'no text file was chosen');
  // an ONNX export is a model charrnn does not read back: the loader says so, not the text's UTF-8 check
  const onnx = join(work, 'drop-gru.onnx');
  execFileSync(process.execPath, [CLI, 'export', gru, '--format', 'onnx', '-o', onnx], { stdio: 'ignore' });
  await drop(page, 'drop-gru.onnx', readFileSync(onnx));
  await alertShows(page, /^drop-gru\.onnx is not a valid charrnn checkpoint: it is an ONNX model/);
  assert.equal((await probe(page)).state, 'loaded', 'the loaded model stays');
  // a text still drops as a text
  await drop(page, 'corpus.txt', readFileSync(CORPUS));
  await page.locator('#text-info', { hasText: /^corpus\.txt: 1,025 characters/ }).waitFor();
  // the picker offers the CLI's files too
  const accept = (await page.locator('#checkpoint-file').getAttribute('accept')) ?? '';
  assert.deepEqual(accept.split(',').sort(), ['.ckpt', '.safetensors']);
});

test('text dragged onto the paste box lands there: the page takes only dropped files', async (t) => {
  const page = await openPage(t);
  const source = page.locator('#text-info');
  await source.filter({ hasText: /^the built-in text: / }).waitFor();
  const line = (await source.textContent()) ?? '';
  // select the text's line, and drag it with the mouse onto the paste box
  await source.evaluate((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
  });
  const from = (await source.boundingBox())!;
  const to = (await page.locator('#paste').boundingBox())!;
  await page.mouse.move(from.x + 20, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + 40, from.y + from.height / 2, { steps: 5 });
  await page.mouse.move(to.x + 20, to.y + 10, { steps: 10 });
  await page.mouse.up();
  await page.waitForFunction(
    (want) => (document.getElementById('paste') as HTMLTextAreaElement).value === want,
    line,
  );
  assert.equal(
    await page.getByRole('radio', { name: 'Pasted text' }).isChecked(),
    true,
    'the paste is the text now',
  );
});

test('an empty text file is one line that names it once; one symbol is in the singular; a blank paste is a text', async (t) => {
  const page = await openPage(t);
  await page.getByLabel('Choose a text file').setInputFiles({
    name: 'empty.txt',
    mimeType: 'text/plain',
    buffer: Buffer.alloc(0),
  });
  await alertShows(page, /^empty\.txt: the file is empty; choose a file with some text in it$/);
  await drop(page, 'nothing.txt', new Uint8Array(0));
  await alertShows(page, /^nothing\.txt: the file is empty; choose a file with some text in it$/);
  assert.equal(await page.locator('#file-name').textContent(), 'nothing.txt (not usable)');
  // one character, one symbol: in the singular
  await drop(page, 'a.txt', new TextEncoder().encode('a'));
  await page.locator('#text-info', { hasText: /^a\.txt: 1 character, 1 distinct symbol\.$/ }).waitFor();
  await page.getByLabel('Pasted text').check();
  await page.getByLabel('Paste your text').fill('aaaa');
  await page.locator('#text-info', { hasText: /^Pasted text: 4 characters, 1 distinct symbol\.$/ }).waitFor();
  // an empty paste is refused; one of whitespace is a text (as a file of it is), not 'empty'
  await page.getByLabel('Paste your text').fill('');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await alertShows(page, /^the pasted text is empty; paste some text, or pick another source$/);
  await page.getByLabel('Paste your text').fill(' \n'.repeat(20));
  await page
    .locator('#text-info', { hasText: /^Pasted text: 40 characters, 2 distinct symbols\.$/ })
    .waitFor();
  await page.getByLabel('--seq-length', { exact: true }).fill('8');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await until(page, 'a run on the whitespace', (p) => p.state === 'running' && p.iter > 0);
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
});

test('a checkpoint that reached --time-limit or --patience continues: the page clears the limit', async (t) => {
  const { work } = await shared();
  const page = await openPage(t);
  await page.getByLabel('Choose a text file').setInputFiles(CORPUS);
  const field = (flag: string) => page.getByLabel(flag, { exact: true });
  const ended = [
    {
      name: 'timed',
      flag: '--time-limit',
      args: ['--hidden', '8', '--time-limit', '0.2', '--seed', '1', '--sample-every', '0'],
    },
    {
      name: 'patient',
      flag: '--patience',
      // a learning rate this high makes the validation loss worse at once: the run stops at its 2nd evaluation
      args: [
        ...['--model', 'gru', '--layers', '1', '--hidden', '16', '--batch', '2', '--seq-length', '8'],
        ...['--eval-every', '5', '--patience', '1', '--lr', '0.5', '--seed', '1', '--sample-every', '0'],
      ],
    },
  ];
  for (const { name, flag, args } of ended) {
    const path = cliCheckpoint(work, name, args);
    const { iter } = readCheckpoint(readFileSync(path), path).progress;
    await page.locator('#checkpoint-file').setInputFiles(path);
    await until(page, `${name}.ckpt to load`, (p) => p.state === 'loaded' && p.iter === iter);
    assert.equal(await field(flag).inputValue(), '0', `${flag} reached: cleared`);
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(page, `${name}.ckpt to train on`, (p) => p.state === 'running' && p.iter > iter);
    assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
    await page.locator('#status', { hasText: `Changed on resume: ${flag} 0` }).waitFor();
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state', (p) => p.state === 'idle');
  }
});

test('a model imported from the PyTorch layout trains on, and the status line names no seed', async (t) => {
  const { work } = await shared();
  const page = await openPage(t);
  // the import has the char-gru preset's recipe (batch 32 x seq-length 64, fixed on resume): a text of
  // 25 copies of the corpus fits it
  const text = join(work, 'corpus-25.txt');
  writeFileSync(text, readFileSync(CORPUS, 'utf8').repeat(25));
  await page.getByLabel('Choose a text file').setInputFiles(text);
  const gru = cliCheckpoint(work, 'torch-gru', [
    ...['--model', 'gru', '--layers', '1', '--hidden', '16', '--batch', '2', '--seq-length', '8'],
    ...['--iters', '10', '--seed', '2', '--sample-every', '0'],
  ]);
  const torch = join(work, 'torch-gru.torch.safetensors');
  execFileSync(process.execPath, [CLI, 'export', gru, '--format', 'torch', '-o', torch], { stdio: 'ignore' });
  await page.locator('#checkpoint-file').setInputFiles(torch);
  await until(page, 'the PyTorch-layout model to load', (p) => p.state === 'loaded' && p.model === 'gru');
  await page.getByRole('button', { name: 'Start (continue)' }).click();
  await until(page, 'it to train', (p) => p.state === 'running' && p.iter > 0);
  const status = (await page.locator('#status').textContent()) ?? '';
  assert.match(status, /^Training: gru 1×16, .* on corpus-25\.txt \(25,625 characters, \d+ symbols\)\./);
  assert.doesNotMatch(status, /undefined/);
});

/**
 * A ?mirror= on 127.0.0.1 whose tiny-shakespeare.txt (a stand-in: `text`, with its checksum beside it)
 * sends its first half, then stalls until `release()` sends the rest; asked again, it sends it all.
 */
async function stallingMirror(text: Buffer) {
  let held: ServerResponse | undefined;
  const server = createServer((req, res) => {
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (req.url === '/tiny-shakespeare.txt.sha256') {
      res.writeHead(200, cors).end(`${createHash('sha256').update(text).digest('hex')}\n`);
    } else if (req.url === '/tiny-shakespeare.txt') {
      res.writeHead(200, { ...cors, 'Content-Length': text.length });
      if (held)
        res.end(text); // the first request only stalls
      else {
        res.write(text.subarray(0, text.length / 2));
        held = res;
      }
    } else res.writeHead(404, cors).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    stalled: () => held !== undefined,
    release: () => held?.end(text.subarray(text.length / 2)),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a Start waiting for a download that stalls gives way when another text is chosen', async (t) => {
  const { url } = await shared();
  const mirror = await stallingMirror(Buffer.from('First Citizen:\nSpeak, speak.\n'.repeat(2000)));
  t.after(() => mirror.close());
  const page = await openPage(t);
  await page.goto(`${url}?mirror=${mirror.url}`);
  await until(page, 'the worker to be ready', (p) => p.ready);
  const start = page.getByRole('button', { name: 'Start', exact: true });
  await page.getByRole('radio', { name: 'tiny-shakespeare' }).check();
  await start.click();
  await page.locator('#text-info', { hasText: /^Downloading tiny-shakespeare: / }).waitFor();
  assert.ok(mirror.stalled() && (await start.isDisabled()), 'Start waits for the download');
  // the built-in text instead: Start answers, and trains on it
  await page.getByRole('radio', { name: 'Built-in text' }).check();
  await until(page, 'the built-in text', (p) => p.textChars > 0);
  assert.equal(await start.isDisabled(), false, 'Start answers again');
  await start.click();
  const running = await until(page, 'a run on the built-in text', (p) => p.state === 'running' && p.iter > 0);
  await page.locator('#status', { hasText: / on the built-in text \(/ }).waitFor();
  // the download ends after all: it starts nothing, and the run goes on
  mirror.release();
  await new Promise((r) => setTimeout(r, 1000));
  const after = await probe(page);
  assert.ok(after.state === 'running' && after.iter > running.iter, 'the run goes on');
  assert.match((await page.locator('#status').textContent()) ?? '', / on the built-in text \(/);
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
});

test('a checkpoint loaded while a Start waits for its text drops that Start', async (t) => {
  const { url } = await shared();
  const text = Buffer.from('First Citizen:\nSpeak, speak.\n'.repeat(2000));
  const mirror = await stallingMirror(text);
  t.after(() => mirror.close());
  const page = await openPage(t);
  await page.goto(`${url}?mirror=${mirror.url}`);
  await until(page, 'the worker to be ready', (p) => p.ready);
  await page.getByRole('radio', { name: 'tiny-shakespeare' }).check();
  await page.getByRole('button', { name: 'Start', exact: true }).click(); // a new model of the seed's settings
  await page.locator('#text-info', { hasText: /^Downloading tiny-shakespeare: / }).waitFor();
  // the settings may change meanwhile: the run, when its text comes, has the form's (checked below)
  await page.getByLabel('--hidden', { exact: true }).fill('37');
  // a GRU checkpoint instead: Start (continue) answers at once (it waits for the text, if pressed)
  await page.locator('#checkpoint-file').setInputFiles(join(V1, 'gru.ckpt'));
  await until(page, 'the checkpoint to load', (p) => p.state === 'loaded' && p.model === 'gru');
  const start = page.getByRole('button', { name: 'Start (continue)' });
  assert.equal(await start.isDisabled(), false, 'Start (continue) answers');
  // the download ends: the dropped Start starts nothing (it had the seed's settings: an RNN)
  mirror.release();
  await page.locator('#text-info', { hasText: /^tiny-shakespeare: 58,000 characters/ }).waitFor();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await probe(page)).state, 'loaded');
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
});

test('a Start that waits for its text trains with the settings as they are when it comes', async (t) => {
  const { url } = await shared();
  const mirror = await stallingMirror(Buffer.from('First Citizen:\nSpeak, speak.\n'.repeat(2000)));
  t.after(() => mirror.close());
  const page = await openPage(t);
  await page.goto(`${url}?mirror=${mirror.url}`);
  await until(page, 'the worker to be ready', (p) => p.ready);
  await page.getByRole('radio', { name: 'tiny-shakespeare' }).check();
  const hidden = page.getByLabel('--hidden', { exact: true });
  // bad settings are told at once, not after the download
  await hidden.fill('0');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await alertShows(page, /^--hidden must be an integer >= 1/);
  await hidden.fill('100');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.locator('#text-info', { hasText: /^Downloading tiny-shakespeare: / }).waitFor();
  await hidden.fill('37'); // while it waits
  mirror.release();
  await until(page, 'the run', (p) => p.state === 'running');
  await page.locator('#status', { hasText: /^Training: rnn 1×37, / }).waitFor();
});

test('a download that stalls is given up after 30 s: one line, and Start tries again', async (t) => {
  const { url } = await shared();
  const text = Buffer.from('First Citizen:\nSpeak, speak.\n'.repeat(2000));
  const mirror = await stallingMirror(text);
  t.after(() => mirror.close());
  const page = await openPage(t);
  await page.clock.install(); // the page's timers: 30 s pass at once
  await page.goto(`${url}?mirror=${mirror.url}`);
  await until(page, 'the worker to be ready', (p) => p.ready);
  const start = page.getByRole('button', { name: 'Start', exact: true });
  await page.getByRole('radio', { name: 'tiny-shakespeare' }).check();
  await start.click();
  await page.locator('#text-info', { hasText: /^Downloading tiny-shakespeare: / }).waitFor();
  assert.ok(mirror.stalled() && (await start.isDisabled()), 'Start waits for the download');
  await page.clock.fastForward(29_000);
  assert.ok(await start.isDisabled(), 'still waiting after 29 s');
  await page.clock.fastForward(2_000);
  await alertShows(
    page,
    /^could not download tiny-shakespeare from http:\/\/127\.0\.0\.1:\d+\/tiny-shakespeare\.txt: nothing came for 30 s; check the network connection and press Start to try again, or choose a file$/,
  );
  assert.equal(await start.isDisabled(), false, 'Start answers again');
  assert.equal((await probe(page)).state, 'idle');
  // Start again: the mirror sends it all this time, and it trains on it
  await start.click();
  await until(page, 'a run on the stand-in', (p) => p.state === 'running' && p.textChars === text.length);
  await page
    .locator('#status', {
      hasText: ` on tiny-shakespeare (${text.length.toLocaleString('en-US')} characters`,
    })
    .waitFor();
});

test('--patience without a validation split: one line naming what the page has to fix it', async (t) => {
  const page = await openPage(t);
  const field = (flag: string) => page.getByLabel(flag, { exact: true });
  await field('--patience').fill('3'); // the seed's settings: --val-fraction 0
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await alertShows(
    page,
    /^--patience 3 watches the validation loss, but there is no validation split; set --val-fraction above 0, or --patience 0$/,
  );
  assert.equal((await probe(page)).state, 'idle');
  // a checkpoint without a validation split (its --val-fraction is fixed): the same line
  await page.locator('#checkpoint-file').setInputFiles(join(V1, 'seed.ckpt'));
  await until(page, 'the seed to load', (p) => p.state === 'loaded');
  await field('--patience').fill('2');
  await page.getByRole('button', { name: 'Start (continue)' }).click();
  await alertShows(
    page,
    /^--patience 2 watches the validation loss, but there is no validation split; set --val-fraction above 0, or --patience 0$/,
  );
  await field('--patience').fill('0');
  await page.getByLabel('Choose a text file').setInputFiles(CORPUS);
  await page.getByRole('button', { name: 'Start (continue)' }).click();
  await until(page, 'the seed to train on', (p) => p.state === 'running' && p.iter > 300);
});

test('a double click on Start starts one run, with no alert; on Save model, keeps one model', async (t) => {
  const page = await openPage(t);
  await until(page, 'the built-in text', (p) => p.textChars > 0);
  // an LSTM on two threads: the worker starts its shard worker before it answers
  await page.getByLabel('--model', { exact: true }).selectOption('lstm');
  await page.getByRole('button', { name: 'Start', exact: true }).dblclick();
  const running = await until(page, 'the run', (p) => p.state === 'running' && p.iter > 0);
  assert.equal(running.threads, 2);
  await new Promise((r) => setTimeout(r, 500)); // the second click's answer, if any, has come
  assert.equal(await page.getByRole('alert').isVisible(), false, 'no alert');
  assert.equal((await probe(page)).errors, 0, 'no error shown');
  await page.getByRole('button', { name: 'Pause' }).click();
  await until(page, 'the paused state', (p) => p.state === 'paused');
  await page.getByRole('button', { name: 'Save model' }).dblclick();
  await page.locator('#kept-note', { hasText: /^Kept 'the built-in text' at iteration / }).waitFor();
  await new Promise((r) => setTimeout(r, 500)); // a second model, if any, has been kept
  assert.equal((await probe(page)).kept, 1, 'one model kept');
  assert.equal(
    await page.getByRole('button', { name: 'Save model' }).isDisabled(),
    false,
    'Save answers again',
  );
});

test('a checkpoint loaded over a run shows nothing of that run', async (t) => {
  const page = await openPage(t);
  await until(page, 'the built-in text', (p) => p.textChars > 0);
  const field = (flag: string) => page.getByLabel(flag, { exact: true });
  const sample = page.locator('#sample-text');
  const generated = page.locator('#gen-text');
  const status = page.locator('#status');
  // the seed, 300 iterations, a sample every 100: it finishes by itself; then generate from it
  await field('--iters').fill('300');
  await field('--sample-every').fill('100');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await until(page, 'the run to finish', (p) => p.state === 'finished' && p.samples >= 3);
  await status.filter({ hasText: /^Finished: .* It reached --iters at iteration 300\.$/ }).waitFor();
  await page.getByLabel('Length', { exact: true }).fill('50');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await until(page, 'the generated text', (p) => !p.generating && p.generated === 50);
  // a version-1 checkpoint: no sample, no generated text, not the run's
  await page.locator('#checkpoint-file').setInputFiles(join(V1, 'seed.ckpt'));
  const loaded = await until(page, 'the checkpoint to load', (p) => p.state === 'loaded' && p.iter === 300);
  assert.deepEqual([loaded.samples, loaded.lastSampleIter], [0, null]);
  assert.equal(await sample.textContent(), '', 'no sample of the run before');
  assert.equal(await page.locator('#sample-iter').textContent(), '');
  assert.equal(await generated.textContent(), '', 'no text generated by the model before');
  // continued with a learning rate that makes it diverge at once: the run stopped, it did not reach --iters
  await page.getByLabel('Choose a text file').setInputFiles(CORPUS);
  await field('--lr').fill('1000000');
  await page.getByRole('button', { name: 'Start (continue)' }).click();
  await alertShows(page, /^training diverged at iteration 30\d: /);
  await until(page, 'the stopped run', (p) => p.state === 'finished');
  await status.filter({ hasText: /^Stopped: rnn 1×24, / }).waitFor();
  assert.doesNotMatch((await status.textContent()) ?? '', /It reached --iters/);
});

test('a checkpoint whose cosine schedule decayed over its reached limit loads and continues', async (t) => {
  const { work } = await shared();
  const page = await openPage(t); // (fails on the uncaught error the page threw when the form was filled)
  await page.getByLabel('Choose a text file').setInputFiles(CORPUS);
  const recipe = ['--model', 'gru', '--layers', '1', '--hidden', '16', '--batch', '2', '--seq-length', '8'];
  const runs = [
    { name: 'cosine-iters', limit: ['--iters', '30'], cleared: '--iters 0' },
    { name: 'cosine-time', limit: ['--time-limit', '0.3'], cleared: '--time-limit 0' },
  ];
  for (const { name, limit, cleared } of runs) {
    const args = [...recipe, '--schedule', 'cosine', ...limit, '--seed', '1', '--sample-every', '0'];
    const path = cliCheckpoint(work, name, args);
    const { iter } = readCheckpoint(readFileSync(path), path).progress;
    await page.locator('#checkpoint-file').setInputFiles(path);
    await until(page, `${name}.ckpt to load`, (p) => p.state === 'loaded' && p.iter === iter);
    assert.equal(await page.getByLabel('--hidden', { exact: true }).inputValue(), '16', 'the form is filled');
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(page, `${name}.ckpt to train on`, (p) => p.state === 'running' && p.iter > iter);
    const status = (await page.locator('#status').textContent()) ?? '';
    assert.ok(
      status.includes(cleared) && status.includes(`--decay-iters ${limit[0] === '--iters' ? 30 : iter}`),
      `the limit cleared, the schedule's length kept: ${status}`,
    );
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state', (p) => p.state === 'idle');
  }
});

test('storage that cannot be opened: one line, and the model can still be downloaded', async (t) => {
  const page = await openPage(t, () => {
    // as a browser that blocks storage does
    IDBFactory.prototype.open = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
  });
  const why = "the browser's storage \\(IndexedDB\\) cannot be opened: The operation is insecure";
  await page
    .locator('#kept-note', { hasText: new RegExp(`^Models cannot be kept in this browser: ${why}$`) })
    .waitFor();
  await page.locator('#checkpoint-file').setInputFiles(join(V1, 'seed.ckpt'));
  await until(page, 'the checkpoint to load', (p) => p.state === 'loaded');
  await page.getByRole('button', { name: 'Save model' }).click();
  await alertShows(page, new RegExp(`^${why}; models can still be downloaded with Download checkpoint$`));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download checkpoint' }).click(),
  ]);
  assert.deepEqual(readFileSync(await download.path()), readFileSync(join(V1, 'seed.ckpt')));
});

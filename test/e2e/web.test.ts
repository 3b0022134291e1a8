// End to end: builds the page with Vite, serves it on 127.0.0.1, drives Debian's Chromium through it.
// The first test: bad input shows a one-line alert (a UTF-16 file names UTF-16; without its byte-order mark
// the text's line points at its NUL characters), training the seed (min-char-rnn) on the built-in text
// (the CLI's built-in corpus) draws a falling loss and samples, the controls answer while it trains,
// generation streams, Download checkpoint gives a checkpoint the library reads, a seed trained with --clip
// off saves and loads back, and a checkpoint written by the real CLI loads, generates and trains on to
// --iters 300, saving exactly what the CLI's own resume to 300 saves. Then other models through the same
// pipeline: the char-lstm preset is too big for a short pasted text (a clear alert) and fits the built-in
// text; a small LSTM shows validation points on the chart, samples, generation, its checkpoint downloads,
// loads and trains on, and it exports to PyTorch and ONNX; a GRU the CLI exported to the PyTorch layout
// loads, generates and saves its weights back. Data parallelism: the page is cross-origin isolated, so the
// LSTM trains on two threads (Web Workers sharing memory), and chars/s on one and two threads are logged;
// served without the isolation headers, the page falls back to one thread and says so; a shard worker
// that cannot start is an alert, not a hang. The second test: the built-in text is an asset fetched apart
// from the page's script; tiny-shakespeare comes from a local mirror (?mirror=, a generated stand-in and its
// checksum) with a progress bar, a network failure and a wrong checksum are one line each and keep nothing,
// the checked text is kept in Cache Storage (a reload does not download it again); char-lstm trains on it;
// Save model keeps models in IndexedDB (a full quota is one line), and after a reload the list shows them,
// loads, generates, continues, downloads and deletes them. Screenshots: test-output/web-seed.png (the
// seed), test-output/web.png (the small LSTM) and test-output/web-shakespeare.png (char-lstm on the
// stand-in).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { decodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { CATALOG } from '../../src/data/catalog.js';
import { presetConfig } from '../../src/training/presets.js';
import { Trainer } from '../../src/training/trainer.js';
import { assertSameCheckpoint } from '../helpers/checkpoints.js';
import {
  alertShows,
  BUILTIN_PATH,
  CLI,
  drawn,
  fillFields,
  keptRow,
  previewPage,
  probe,
  root,
  SMALL_LSTM,
  shardWorkers,
  shared,
  until,
  WAIT,
} from './page.js';

test('the web page trains, charts, samples, saves and loads in Chromium', { timeout: 240_000 }, async (t) => {
  const { work, outDir, url, browser } = await shared();
  const BUILTIN = readFileSync(BUILTIN_PATH, 'utf8');
  /** the same build without the isolation headers, and a copy whose shard worker throws */
  let plain: PreviewServer | undefined;
  let broken: PreviewServer | undefined;
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(url);
    const ready = await until(page, 'the worker to be ready', (p) => p.ready);
    t.diagnostic(`kernel backend in the page: ${ready.backend}`);
    // vite preview sends Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy (web/vite.config.ts)
    assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true, 'the page is isolated');
    assert.ok(ready.isolated && ready.threadsAvailable, 'SharedArrayBuffer in the page and its worker');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);

    // bad input: a one-line alert, not a stall
    await page.getByLabel('--hidden').fill('abc');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /^--hidden must be an integer >= 1 and <= 16384, got 'abc'$/);
    await page.getByLabel('--hidden').fill('100');
    await page.getByLabel('Choose a text file').setInputFiles({
      name: 'latin1.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from([0x68, 0x69, 0x20, 0xe9, 0x74, 0xe9]), // 'hi été' in Latin-1
    });
    await alertShows(page, /latin1\.txt: the text is not valid UTF-8: .* at byte offset 3/);
    // UTF-16: with its byte-order mark an alert names it; without, the text's line points at its NULs
    const utf16 = (text: string) => Buffer.from(text, 'utf16le');
    await page.getByLabel('Choose a text file').setInputFiles({
      name: 'bom16.txt',
      mimeType: 'text/plain',
      buffer: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16('hi there')]),
    });
    await alertShows(
      page,
      /^bom16\.txt: the text is UTF-16 \(it starts with a UTF-16 byte-order mark\), not UTF-8/,
    );
    await page.getByLabel('Choose a text file').setInputFiles({
      name: 'plain16.txt',
      mimeType: 'text/plain',
      buffer: utf16('hi there'),
    });
    const nulLine =
      /^plain16\.txt: 16 characters, 7 distinct symbols, NUL characters among them \(is it UTF-16, or not a text\?\)\.$/;
    await page.locator('#text-info', { hasText: nulLine }).waitFor();
    assert.equal(await page.getByRole('alert').isVisible(), false, 'a text with NULs is usable');
    await page.getByLabel('Pasted text').check();
    await page.getByLabel('Paste your text').fill('too short');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /the text has 9 characters, but a window of seq-length 25 needs at least 26/);
    assert.equal((await probe(page)).state, 'idle');

    // train on the built-in text with the seed's settings (seed 1)
    await page.getByLabel('Built-in text').check();
    await page.getByLabel('--seed').fill('1');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    assert.equal(await page.getByRole('alert').isVisible(), false, 'Start cleared the alert');
    await until(
      page,
      'two chart points and a falling loss',
      (p) =>
        p.pointCount >= 2 &&
        p.iter >= 150 &&
        p.lastLoss !== null &&
        p.firstLoss !== null &&
        p.lastLoss < p.firstLoss,
    );
    const sampled = await until(page, 'a sample after iteration 0', (p) => (p.lastSampleIter ?? 0) >= 1000);
    assert.ok(sampled.samples >= 2);
    // the throughput over about the last second, once the engine has warmed up
    await new Promise((r) => setTimeout(r, 1500));
    const speed = await probe(page);
    t.diagnostic(
      `in-page speed (seed config: hidden 100, seq-length 25, f32, ${speed.backend} kernels): ` +
        `${speed.itersPerSec.toFixed(0)} iterations/s, ${speed.charsPerSec.toFixed(0)} chars/s`,
    );
    assert.ok(speed.itersPerSec > 0 && speed.charsPerSec === speed.itersPerSec * 25);
    assert.ok(
      ((await page.locator('#sample-text').textContent()) ?? '').length >= 100,
      'the sample is shown',
    );

    // the controls answer while it trains: typing, Pause, Resume
    const typed = Date.now();
    await page.getByLabel('Prime').fill('The ');
    assert.equal(await page.getByLabel('Prime').inputValue(), 'The ');
    t.diagnostic(`typing into the prime box while training took ${Date.now() - typed} ms`);
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = await until(page, 'the paused state', (p) => p.state === 'paused');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await probe(page)).iter, paused.iter, 'no steps while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await until(
      page,
      'training to continue after Resume',
      (p) => p.state === 'running' && p.iter > paused.iter,
    );

    // generate from the current model while it trains: the prime, then streamed text
    await page.getByLabel('Length', { exact: true }).fill('400');
    await page.getByLabel('Temperature').fill('0.8');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '400 generated characters', (p) => !p.generating && p.generated === 400);
    const generated = (await page.locator('#gen-text').textContent()) ?? '';
    assert.ok(generated.startsWith('The ') && [...generated].length === 404, 'the prime and 400 characters');
    assert.match(speed.axisLabel, /per 25-char window/);
    assert.equal(await page.locator('#stat-val-box').isVisible(), false, 'no validation loss for the seed');
    await page.screenshot({ path: join(mkdirp(join(root, 'test-output')), 'web-seed.png'), fullPage: true });
    await page.getByLabel('Prime').fill('✓');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await alertShows(page, /the prime text contains '✓' \(U\+2713\), which is not in the model's vocabulary/);
    await page.getByLabel('Prime').fill('The ');

    // Save: the download is a checkpoint the library restores
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'charrnn-model.safetensors');
    const savedPath = join(work, 'saved.safetensors');
    await download.saveAs(savedPath);
    const saved = Trainer.fromCheckpoint(new Uint8Array(readFileSync(savedPath)));
    assert.ok(saved.iter > paused.iter, `the saved model is at iteration ${saved.iter}`);
    assert.equal(saved.config.seed, 1);
    assert.equal(saved.config.sampleEvery, 1000);
    saved.close();

    // the seed with --clip off: trains, saves as Infinity, and the page loads it back and continues
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    const field = (flag: string) => page.getByLabel(flag, { exact: true });
    await field('--clip').fill('off');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await until(page, 'the seed to train without clipping', (p) => p.state === 'running' && p.iter >= 200);
    const [unclippedDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    const unclippedPath = join(work, 'unclipped.safetensors');
    await unclippedDownload.saveAs(unclippedPath);
    const unclipped = Trainer.fromCheckpoint(new Uint8Array(readFileSync(unclippedPath)));
    assert.equal(unclipped.config.clip, Infinity, 'the checkpoint says --clip off');
    assert.equal(unclipped.config.model, 'rnn');
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    await field('--clip').fill('5');
    await page.locator('#checkpoint-file').setInputFiles(unclippedPath);
    const unclippedLoaded = await until(
      page,
      'the --clip off checkpoint to load',
      (p) => p.state === 'loaded',
    );
    assert.equal(unclippedLoaded.iter, unclipped.iter);
    assert.equal(await field('--clip').inputValue(), 'off');
    assert.equal(await page.getByRole('alert').isVisible(), false, 'the checkpoint is not refused');
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(
      page,
      'the --clip off checkpoint to continue',
      (p) => p.state === 'running' && p.iter > unclipped.iter + 100,
    );
    assert.match((await page.locator('#status').textContent()) ?? '', /^Training: rnn 1×100/);
    unclipped.close();

    // a checkpoint written by the real CLI: load, generate, then Start continues from its iteration
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    const textPath = join(work, 'builtin.txt');
    const cliPath = join(work, 'cli.safetensors');
    writeFileSync(textPath, BUILTIN);
    execFileSync(
      process.execPath,
      [CLI, 'train', textPath, '--seed', '7', '--iters', '200', '--save', cliPath, '--quiet'],
      {
        cwd: work,
        timeout: 60_000,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await page.locator('#checkpoint-file').setInputFiles(cliPath);
    const loaded = await until(page, 'the CLI checkpoint to load', (p) => p.state === 'loaded');
    assert.equal(loaded.iter, 200);
    assert.equal(await page.getByLabel('--seed').inputValue(), '7');
    // it reached its --iters 200: the page clears the limit, so Start continues until Pause
    assert.equal(await field('--iters').inputValue(), '0');
    await page.getByLabel('Length', { exact: true }).fill('150');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '150 characters from the CLI checkpoint', (p) => !p.generating && p.generated === 150);
    // Start continues the CLI's run: to --iters 300, where it stops by itself, and the checkpoint it saves
    // then is the one the CLI writes when it resumes the same file to --iters 300 (both on the relaxed-simd
    // kernels), tensors and progress bit for bit, but for the measured training time
    await field('--iters').fill('300');
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    const continued = await until(
      page,
      'the continued run to finish at --iters 300',
      (p) => p.state === 'finished',
    );
    assert.equal(continued.iter, 300);
    const [continuedDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    const pageContinued = join(work, 'page-continued.safetensors');
    await continuedDownload.saveAs(pageContinued);
    const cliContinued = join(work, 'cli-continued.safetensors');
    copyFileSync(cliPath, cliContinued);
    execFileSync(
      process.execPath,
      [CLI, 'train', textPath, '--resume', cliContinued, '--iters', '300', '--quiet'],
      { cwd: work, timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    assertSameCheckpoint(
      new Uint8Array(readFileSync(pageContinued)),
      new Uint8Array(readFileSync(cliContinued)),
    );

    // ---- other models, the same trainer: an LSTM on the built-in text ----
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    for (const flag of [
      '--layers',
      '--embedding',
      '--dropout',
      '--batch',
      '--clip',
      '--clip-norm',
      '--val-fraction',
    ])
      assert.equal(await field(flag).isVisible(), true, `${flag} is shown for the seed too`);
    // the CLI's char-lstm preset fills its settings: too big for 2,740 characters of pasted text, and the
    // core says so; the built-in text (the CLI's, about 300 KB) fits it
    await page.getByLabel('Paste your text').fill([...BUILTIN].slice(0, 2740).join(''));
    await field('--preset').selectOption('char-lstm');
    assert.equal(await field('--model').inputValue(), 'lstm');
    assert.equal(await field('--batch').inputValue(), '32');
    assert.equal(await field('--seq-length').inputValue(), '64');
    assert.equal(await field('--hidden').inputValue(), '256');
    assert.deepEqual(
      [await field('--clip').inputValue(), await field('--clip-norm').inputValue()],
      ['off', '5'],
      'the recipe clips the norm, not each element',
    );
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(
      page,
      /the validation split has 274 characters, but 32 streams of seq-length 64 need at least 2049; use a longer text, or a smaller --batch/,
    );
    assert.equal((await probe(page)).state, 'idle');
    await page.getByLabel('Built-in text').check();
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await until(
      page,
      'char-lstm to start on the built-in text',
      (p) => p.state === 'running' && p.model === 'lstm',
    );
    assert.equal(await page.getByRole('alert').isVisible(), false, 'the recipe fits the built-in text');
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    // back to the seed, then --model lstm: the model's preset, as the CLI's --model picks it
    await field('--model').selectOption('rnn');
    assert.equal(await field('--preset').inputValue(), 'min-char-rnn');
    assert.equal(await field('--hidden').inputValue(), '100');
    await field('--model').selectOption('lstm');
    assert.equal(await field('--preset').inputValue(), 'char-lstm');
    for (const [flag, value] of [
      ['--layers', '2'],
      ['--hidden', '256'],
      ['--embedding', '64'],
      ['--batch', '32'],
      ['--seq-length', '64'],
      ['--optimizer', 'adam'],
      ['--val-fraction', '0.1'],
      ['--eval-every', '500'],
    ] as const) {
      assert.equal(await field(flag).inputValue(), value, `${flag} of char-lstm`);
    }
    // a small LSTM, to train fast here
    await fillFields(page, SMALL_LSTM);
    assert.equal(await field('--preset').inputValue(), '', 'custom settings');
    // --threads: 2 by default here (isolated, two cores, an even batch)
    assert.equal(await field('--threads').inputValue(), cores >= 2 ? '2' : '1');
    assert.equal(await field('--threads').isEnabled(), true);
    // bad recipe settings: one-line alerts naming the flag
    await field('--dropout').fill('1');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /^--dropout must be a number >= 0 and <= 0\.99, got 1$/);
    await field('--dropout').fill('0.2');
    await field('--layers').fill('0');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /^--layers must be an integer >= 1 and <= 64, got 0$/);
    await field('--layers').fill('1');
    await field('--batch').fill('64');
    await field('--seq-length').fill('2000');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(
      page,
      /the validation split has \d+ characters, but 64 streams of seq-length 2000 need at least 128001/,
    );
    await field('--seq-length').fill('32');
    assert.equal((await probe(page)).state, 'idle');
    await shardWorkers(page, 'the shard worker of a trainer that failed to build to end', 0);
    // an odd batch cannot be split over two threads: the default follows it, and an explicit 2 is refused
    await field('--batch').fill('5');
    if (cores >= 2) {
      assert.equal(await field('--threads').inputValue(), '1', 'an odd batch: one thread by default');
      assert.match((await page.locator('#threads-note').textContent()) ?? '', /needs an even --batch/);
    }
    await field('--threads').selectOption('2');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(
      page,
      /^--batch 5 does not split evenly over --threads 2; make the batch a multiple of the threads$/,
    );
    await field('--batch').fill('4');
    assert.equal(await field('--threads').inputValue(), '2', 'the chosen --threads stays');
    assert.equal(await page.locator('#threads-note').isVisible(), false);
    await field('--seed').fill('3');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const lstmRun = await until(
      page,
      'two validation points and a falling validation loss',
      (p) =>
        p.model === 'lstm' &&
        p.valCount >= 3 &&
        p.firstVal !== null &&
        p.lastVal !== null &&
        p.lastVal < p.firstVal - 0.5 &&
        p.lastLoss !== null &&
        p.firstLoss !== null &&
        p.lastLoss < p.firstLoss,
    );
    assert.equal(await page.getByRole('alert').isVisible(), false, 'Start cleared the alert');
    assert.equal(lstmRun.axisLabel, 'loss (nats/char)');
    await drawn(
      page,
      'the threads and the validation loss',
      () => document.getElementById('stat-threads')?.textContent !== '0',
    );
    assert.equal(await page.locator('#stat-val-box').isVisible(), true, 'the validation loss is shown');
    // two threads: this worker's shard and a shard worker's, each half of the batch
    assert.equal(lstmRun.threads, 2);
    assert.equal(await page.locator('#stat-threads').textContent(), '2');
    assert.equal(await page.locator('#stat-threads-box').isVisible(), true);
    assert.match((await page.locator('#status').textContent()) ?? '', /batch 4, seq-length 32, 2 threads/);
    assert.equal(await field('--threads').isDisabled(), true, '--threads is fixed while training');
    await shardWorkers(page, 'one shard worker', 1);
    t.diagnostic(
      `LSTM validation loss: ${lstmRun.firstVal!.toFixed(3)} -> ${lstmRun.lastVal!.toFixed(3)} nats/char ` +
        `(${lstmRun.lastValBits!.toFixed(3)} bits/char) at iteration ${lstmRun.iter}, ${lstmRun.valCount} points`,
    );
    await until(page, 'an LSTM sample', (p) => p.samples >= 2 && (p.lastSampleIter ?? 0) >= 200);
    assert.ok(
      ((await page.locator('#sample-text').textContent()) ?? '').length >= 100,
      'the LSTM sample is shown',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const lstmSpeed = await probe(page);
    t.diagnostic(
      `in-page speed (LSTM 1x64, embedding 32, dropout 0.2, batch 4, seq-length 32, f32, threads 2, ` +
        `${lstmSpeed.backend} kernels): ` +
        `${lstmSpeed.itersPerSec.toFixed(0)} iterations/s, ${lstmSpeed.charsPerSec.toFixed(0)} chars/s`,
    );
    assert.ok(lstmSpeed.itersPerSec > 0);
    assert.ok(Math.abs(lstmSpeed.charsPerSec - lstmSpeed.itersPerSec * 4 * 32) < 1e-6);
    assert.match((await page.locator('#stat-val').textContent()) ?? '', /^\d+\.\d{3}$/);
    assert.match((await page.locator('#stat-val-bits').textContent()) ?? '', /^\d+\.\d{3}$/);
    assert.ok(Math.abs(lstmSpeed.lastValBits! - lstmSpeed.lastVal! / Math.LN2) < 1e-9, 'bits = nats / ln 2');

    // generate from the LSTM while it trains
    await page.getByLabel('Prime').fill('The ');
    await page.getByLabel('Length', { exact: true }).fill('300');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '300 characters from the LSTM', (p) => !p.generating && p.generated === 300);
    const lstmText = (await page.locator('#gen-text').textContent()) ?? '';
    assert.ok(lstmText.startsWith('The ') && [...lstmText].length === 304, 'the prime and 300 characters');
    await page.screenshot({ path: join(root, 'test-output', 'web.png'), fullPage: true });

    // Save: a checkpoint the library restores
    const [lstmDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    const lstmPath = join(work, 'lstm.safetensors');
    await lstmDownload.saveAs(lstmPath);
    const lstmBytes = new Uint8Array(readFileSync(lstmPath));
    const lstm = Trainer.fromCheckpoint(lstmBytes);
    assert.equal(lstm.config.model, 'lstm');
    assert.deepEqual(
      [lstm.config.layers, lstm.config.hidden, lstm.config.batch, lstm.config.seqLength, lstm.config.seed],
      [1, 64, 4, 32, 3],
    );
    assert.ok(lstm.iter > lstmRun.iter && Number.isFinite(lstm.bestValLoss));
    const savedConfig = JSON.parse(decodeSafetensors(lstmBytes).metadata.config ?? '{}') as {
      threads?: number;
    };
    assert.equal(savedConfig.threads, 2, 'the checkpoint says it trained on two threads');
    lstm.close();

    // Export PyTorch and Export ONNX: the model in training, as the core's exporters write it
    const exported = async (button: string, name: string): Promise<Uint8Array> => {
      const [d] = await Promise.all([
        page.waitForEvent('download', { timeout: WAIT }),
        page.getByRole('button', { name: button }).click(),
      ]);
      assert.equal(d.suggestedFilename(), name);
      const path = join(work, name);
      await d.saveAs(path);
      return new Uint8Array(readFileSync(path));
    };
    const torchFile = decodeSafetensors(await exported('Export PyTorch', 'charrnn-model.torch.safetensors'));
    assert.deepEqual(
      [...torchFile.tensors.keys()],
      [
        'embedding.weight',
        ...['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0'],
        ...['decoder.weight', 'decoder.bias'],
      ],
      'the state_dict of a 1-layer LSTM with an embedding',
    );
    assert.deepEqual(torchFile.tensors.get('rnn.weight_hh_l0')!.shape, [4 * 64, 64]);
    assert.deepEqual(
      [torchFile.metadata.format, torchFile.metadata.model, torchFile.metadata.hidden],
      ['charrnn-torch', 'lstm', '64'],
    );
    const onnx = await exported('Export ONNX', 'charrnn-model.onnx');
    assert.ok(onnx.length > 4 * 64 * 64 * 4, `an ONNX model of ${onnx.length} bytes, the weights in it`);
    assert.equal(await page.getByRole('alert').isVisible(), false, 'the exports raised no alert');

    // load it back: the model-defining settings come from the checkpoint and are locked; generate; continue
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    await shardWorkers(page, 'Reset to end the shard worker', 0);
    await field('--model').selectOption('gru');
    await field('--hidden').fill('32');
    await page.locator('#checkpoint-file').setInputFiles(lstmPath);
    const lstmLoaded = await until(page, 'the LSTM checkpoint to load', (p) => p.state === 'loaded');
    assert.equal(lstmLoaded.model, 'lstm');
    assert.equal(lstmLoaded.iter, lstm.iter);
    assert.equal(await field('--model').inputValue(), 'lstm');
    assert.equal(await field('--hidden').inputValue(), '64');
    assert.equal(await field('--batch').inputValue(), '4');
    assert.equal(await field('--seed').inputValue(), '3');
    for (const flag of ['--model', '--hidden', '--batch', '--layers', '--seq-length', '--optimizer'])
      assert.equal(await field(flag).isDisabled(), true, `${flag} is fixed by the checkpoint`);
    assert.equal(await field('--eval-every').isDisabled(), false, '--eval-every may change on resume');
    assert.equal(await field('--threads').isDisabled(), false, '--threads is how it runs, not what it is');
    assert.equal(await field('--threads').inputValue(), '2');
    await page.getByLabel('Length', { exact: true }).fill('120');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '120 characters from the LSTM checkpoint', (p) => !p.generating && p.generated === 120);
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(
      page,
      'the LSTM to continue on two threads with validation points',
      (p) => p.state === 'running' && p.iter > lstm.iter + 100 && p.valCount >= 2 && p.threads === 2,
    );
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the paused state', (p) => p.state === 'paused');

    // a GRU checkpoint the real CLI wrote with --threads 2: the page loads it (ending the paused LSTM's
    // shard worker) and trains on with --threads 1
    await shardWorkers(page, 'the LSTM shard worker', 1);
    const gruPath = join(work, 'gru.safetensors');
    execFileSync(
      process.execPath,
      [
        CLI,
        'train',
        textPath,
        ...['--model', 'gru', '--layers', '2', '--hidden', '32', '--batch', '4', '--seq-length', '32'],
        ...['--threads', '2', '--seed', '5', '--iters', '60', '--save', gruPath, '--quiet'],
      ],
      { cwd: work, timeout: 60_000, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await page.locator('#checkpoint-file').setInputFiles(gruPath);
    const gruLoaded = await until(page, 'the CLI GRU checkpoint to load', (p) => p.state === 'loaded');
    assert.deepEqual([gruLoaded.model, gruLoaded.iter], ['gru', 60]);
    assert.equal(gruLoaded.pointCount, 1, 'the chart starts at the checkpoint');
    await shardWorkers(page, 'loading another checkpoint to end the shard worker', 0);
    assert.equal(await field('--layers').inputValue(), '2');
    await page.getByLabel('Prime').fill('');
    await page.getByLabel('Length', { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '80 characters from the GRU checkpoint', (p) => !p.generating && p.generated === 80);
    await field('--threads').selectOption('1');
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(
      page,
      'the GRU to continue on one thread with validation points',
      (p) =>
        p.state === 'running' &&
        p.iter > 160 &&
        p.valCount >= 2 &&
        p.axisLabel === 'loss (nats/char)' &&
        p.threads === 1,
    );
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the paused state', (p) => p.state === 'paused');

    // the same GRU exported by the CLI to the PyTorch layout: the page loads it (a fresh model of the
    // char-gru preset with its weights) and generates from it
    const gruTorchPath = join(work, 'gru.torch.safetensors');
    execFileSync(process.execPath, [CLI, 'export', gruPath, '--format', 'torch', '-o', gruTorchPath], {
      cwd: work,
      timeout: 60_000,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await page.locator('#checkpoint-file').setInputFiles(gruTorchPath);
    const gruTorch = await until(
      page,
      'the PyTorch-layout GRU to load',
      (p) => p.state === 'loaded' && p.iter === 0,
    );
    assert.equal(gruTorch.model, 'gru');
    assert.equal(await page.getByRole('alert').isVisible(), false, 'the torch layout is not refused');
    assert.deepEqual(
      [
        await field('--layers').inputValue(),
        await field('--hidden').inputValue(),
        await field('--batch').inputValue(),
      ],
      ['2', '32', '32'],
      "the file's sizes, the char-gru preset's batch",
    );
    await page.getByLabel('Length', { exact: true }).fill('90');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(
      page,
      '90 characters from the PyTorch-layout GRU',
      (p) => !p.generating && p.generated === 90,
    );
    // its weights are the CLI checkpoint's: Save gives them back as a charrnn checkpoint
    const [gruSaved] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    const gruSavedPath = join(work, 'gru-from-torch.safetensors');
    await gruSaved.saveAs(gruSavedPath);
    const fromTorch = readCheckpoint(new Uint8Array(readFileSync(gruSavedPath)));
    const fromCli = readCheckpoint(new Uint8Array(readFileSync(gruPath)));
    assert.equal(fromTorch.progress.iter, 0);
    for (const [name, x] of fromCli.params)
      assert.deepEqual(fromTorch.params.get(name)?.data, x.data, `tensor ${name} of the CLI's GRU`);

    // in-page throughput on one and two threads, the same LSTM settings (logged, not asserted: the
    // machine may be busy); small models gain little, since every step waits for both halves
    for (const [layers, hidden, batch] of [
      [1, 64, 4],
      [1, 128, 8],
    ] as const) {
      const cps: number[] = [];
      for (const threads of [1, 2]) {
        await page.getByRole('button', { name: 'Reset' }).click();
        await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
        await field('--model').selectOption('lstm');
        for (const [flag, value] of [
          ['--layers', layers],
          ['--hidden', hidden],
          ['--embedding', 32],
          ['--dropout', 0],
          ['--batch', batch],
          ['--seq-length', 32],
          ['--seed', 11],
        ] as const)
          await field(flag).fill(String(value));
        await field('--threads').selectOption(String(threads));
        await page.getByRole('button', { name: 'Start', exact: true }).click();
        await until(
          page,
          `the LSTM on ${threads} threads`,
          (p) => p.state === 'running' && p.threads === threads,
        );
        await new Promise((r) => setTimeout(r, 1000)); // warm up
        let sum = 0;
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 500));
          sum += (await probe(page)).charsPerSec; // over about the last second of training
        }
        cps.push(sum / 5);
        await page.getByRole('button', { name: 'Pause' }).click();
        await until(page, 'the paused state', (p) => p.state === 'paused');
      }
      t.diagnostic(
        `in-page speed (LSTM ${layers}x${hidden}, embedding 32, dropout 0, batch ${batch}, seq-length 32, f32, ` +
          `${ready.backend} kernels): threads 1 ${cps[0]!.toFixed(0)} chars/s, threads 2 ${cps[1]!.toFixed(0)} ` +
          `chars/s (x${(cps[1]! / cps[0]!).toFixed(2)})`,
      );
    }

    assert.deepEqual(pageErrors, [], 'no errors in the page console');
    assert.equal(await page.getByRole('alert').isVisible(), false);
    await page.close();

    // served without the isolation headers (static hosting): no SharedArrayBuffer, so one thread, and the
    // page says why; an LSTM still trains, here to an --iters limit
    plain = await preview({
      configFile: false,
      root: join(root, 'web'),
      base: './',
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    });
    const plainPage = await context.newPage();
    plainPage.setDefaultTimeout(WAIT);
    await plainPage.goto(`http://127.0.0.1:${(plain.httpServer.address() as AddressInfo).port}/`);
    const plainReady = await until(plainPage, 'the worker to be ready', (p) => p.ready);
    assert.equal(await plainPage.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.ok(!plainReady.isolated && !plainReady.threadsAvailable);
    const plainField = (flag: string) => plainPage.getByLabel(flag, { exact: true });
    await plainField('--model').selectOption('lstm');
    await fillFields(plainPage, SMALL_LSTM);
    assert.equal(await plainField('--threads').inputValue(), '1');
    assert.equal(await plainField('--threads').isDisabled(), true, 'no second thread to choose');
    assert.match(
      (await plainPage.locator('#threads-note').textContent()) ?? '',
      /One thread: this page is not cross-origin isolated/,
    );
    // with --iters the run ends by itself (the core's run loop): a last evaluation, then 'finished'
    await plainField('--iters').fill('120');
    await plainPage.getByRole('button', { name: 'Start', exact: true }).click();
    const plainRun = await until(
      plainPage,
      'the LSTM to train on one thread to --iters 120',
      (p) => p.state === 'finished',
    );
    assert.deepEqual([plainRun.threads, plainRun.iter], [1, 120]);
    assert.equal(plainRun.valCount, 4, 'validation points at iterations 0, 50, 100 and the last, 120');
    assert.match(
      (await plainPage.locator('#status').textContent()) ?? '',
      /It reached --iters at iteration 120/,
    );
    assert.equal(await plainPage.getByRole('button', { name: 'Resume' }).isDisabled(), true);
    assert.equal(await plainPage.getByRole('button', { name: 'Save model' }).isEnabled(), true);
    assert.equal(await plainPage.getByRole('button', { name: 'Download checkpoint' }).isEnabled(), true);
    assert.equal(await plainPage.getByRole('alert').isVisible(), false);
    await plainPage.close();

    // a shard worker that cannot start (its script throws) is an alert at once, not a hang; the page
    // still trains on one thread
    const brokenDir = join(work, 'broken');
    cpSync(outDir, brokenDir, { recursive: true });
    const shardScript = readdirSync(join(brokenDir, 'assets')).find((f) => f.startsWith('shard-worker'));
    assert.ok(shardScript, 'the build has a shard worker chunk');
    writeFileSync(join(brokenDir, 'assets', shardScript), 'throw new Error("broken on purpose");\n');
    broken = await previewPage(brokenDir);
    const brokenPage = await context.newPage();
    brokenPage.setDefaultTimeout(WAIT);
    await brokenPage.goto(`http://127.0.0.1:${(broken.httpServer.address() as AddressInfo).port}/`);
    await until(brokenPage, 'the worker to be ready', (p) => p.ready && p.threadsAvailable);
    await brokenPage.getByLabel('--model', { exact: true }).selectOption('lstm');
    await fillFields(brokenPage, SMALL_LSTM);
    await brokenPage.getByLabel('--threads', { exact: true }).selectOption('2');
    const clicked = Date.now();
    await brokenPage.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(brokenPage, /^a training thread failed to start: .*broken on purpose/, 10_000);
    t.diagnostic(`a shard worker that throws: an alert after ${Date.now() - clicked} ms`);
    assert.equal((await probe(brokenPage)).state, 'idle');
    await brokenPage.getByLabel('--threads', { exact: true }).selectOption('1');
    await brokenPage.getByRole('button', { name: 'Start', exact: true }).click();
    await until(brokenPage, 'the LSTM to train on one thread', (p) => p.state === 'running' && p.iter > 50);
  } finally {
    await context.close();
    await plain?.close();
    await broken?.close();
  }
});

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A stand-in for tiny-shakespeare, which is never committed nor fetched here: about 300 KB of generated
 * lines of a play (speakers, short lines of common words), from a fixed seed.
 */
function standIn(): string {
  const speakers = ['ROMEO', 'JULIET', 'MERCUTIO', 'NURSE', 'FRIAR LAURENCE', 'First Citizen', 'GLOUCESTER'];
  const words = (
    'the and to of my you that in is not with me it for be his your this but he have thou thy so will ' +
    'what lord all by shall her no do good love sir are we our if come now more o as them let well go ' +
    'make then there how death heart night fair sweet king blood'
  ).split(' ');
  let x = 2463534242; // xorshift32
  const next = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const blocks: string[] = [];
  for (let size = 0; size < 300_000; ) {
    const lines: string[] = [];
    for (let l = 1 + next(4); l > 0; l--) {
      const line = Array.from({ length: 4 + next(7) }, () => words[next(words.length)]!).join(' ');
      lines.push(`${line[0]!.toUpperCase()}${line.slice(1)}${'.,;!?'[next(5)]}`);
    }
    const block = `${speakers[next(speakers.length)]}:\n${lines.join('\n')}\n\n`;
    blocks.push(block);
    size += block.length;
  }
  return blocks.join('');
}

/**
 * The local HTTP server that stands in for the catalog's host, as the page's ?mirror=: it serves
 * `tiny-shakespeare.txt` (in slices, so the page shows its progress for a while) and the checksum the page
 * checks it against, `tiny-shakespeare.txt.sha256` (which the page asks a loopback mirror for), with CORS
 * (the page is on another port), and counts requests by path. `fail` drops every connection.
 */
interface Mirror {
  url: string;
  port: number;
  requests: Map<string, number>;
  fail: boolean;
  sum: string;
  close(): Promise<void>;
}

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function startMirror(text: Buffer): Promise<Mirror> {
  const SLICES = 20;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mirror').pathname;
    mirror.requests.set(path, (mirror.requests.get(path) ?? 0) + 1);
    if (mirror.fail) {
      req.socket.destroy();
      return;
    }
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (path === '/tiny-shakespeare.txt.sha256') {
      res.writeHead(200, { ...cors, 'Content-Type': 'text/plain' });
      res.end(`${mirror.sum}  tiny-shakespeare.txt\n`);
    } else if (path === '/tiny-shakespeare.txt') {
      res.writeHead(200, {
        ...cors,
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': text.length,
      });
      let i = 0;
      const slice = () => {
        if (res.destroyed) return;
        const part = text.subarray(
          Math.floor((i * text.length) / SLICES),
          Math.floor(((i + 1) * text.length) / SLICES),
        );
        if (++i === SLICES) res.end(part);
        else {
          res.write(part);
          setTimeout(slice, 50);
        }
      };
      slice();
    } else {
      res.writeHead(404, cors);
      res.end();
    }
  });
  // on every interface: the test also reaches it at an address that is not a loopback one
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const mirror: Mirror = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    port: (server.address() as AddressInfo).port,
    requests: new Map(),
    fail: false,
    sum: sha256(text),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return mirror;
}

/** The texts the page keeps in Cache Storage. */
const cachedTexts = (page: Page): Promise<number> =>
  page.evaluate(async () => (await (await caches.open('charrnn-texts')).keys()).length);

const thousands = new Intl.NumberFormat('en-US');

test('the page downloads tiny-shakespeare (checked, kept) and keeps models across reloads', {
  timeout: 240_000,
}, async (t) => {
  const { work, outDir, url, browser } = await shared();
  const BUILTIN = readFileSync(BUILTIN_PATH, 'utf8');
  const text = Buffer.from(standIn());
  const textChars = text.length; // ASCII
  const mirror = await startMirror(text);
  let context: BrowserContext | undefined;
  let full: BrowserContext | undefined;
  try {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const pageUrl = `${url}?mirror=${encodeURIComponent(mirror.url)}`;
    await page.goto(pageUrl);
    await until(page, 'the worker to be ready', (p) => p.ready);
    const field = (flag: string) => page.getByLabel(flag, { exact: true });
    const info = async () => (await page.locator('#text-info').textContent()) ?? '';
    const txtRequests = () => mirror.requests.get('/tiny-shakespeare.txt') ?? 0;

    // the built-in text is the CLI's corpus, an asset of its own fetched when chosen (it is the default
    // choice), not part of the page's scripts
    const builtinChars = [...BUILTIN].length;
    const builtin = await until(page, 'the built-in text to load', (p) => p.textChars > 0);
    assert.equal(builtin.textChars, builtinChars);
    assert.match(
      await info(),
      new RegExp(`^the built-in text: ${thousands.format(builtinChars)} characters, \\d+ distinct symbols`),
    );
    assert.equal(
      requested.filter((u) => /\/assets\/builtin-corpus-[\w-]+\.txt$/.test(u)).length,
      1,
      'the built-in text is fetched once, as an asset',
    );
    const readmeLine = BUILTIN.split('\n').find((l) => l.length > 80)!;
    const assets = readdirSync(join(outDir, 'assets'));
    for (const f of assets.filter((a) => a.endsWith('.js')))
      assert.ok(
        !readFileSync(join(outDir, 'assets', f), 'utf8').includes(readmeLine),
        `${f} has no built-in text`,
      );
    const kB = (f: string) => (readFileSync(join(outDir, 'assets', f)).length / 1000).toFixed(0);
    t.diagnostic(
      `the page's script ${kB(assets.find((a) => /^index-.*\.js$/.test(a))!)} KB; the built-in text, ` +
        `fetched when chosen: ${kB(assets.find((a) => a.startsWith('builtin-corpus'))!)} KB, ${builtinChars} characters`,
    );

    // tiny-shakespeare from the mirror. A network failure: one line that says what to do
    mirror.fail = true;
    await page.getByLabel('tiny-shakespeare').check();
    await alertShows(
      page,
      /^could not download tiny-shakespeare from http:\/\/127\.0\.0\.1:\d+\/tiny-shakespeare\.txt \(.+\); check the network connection and press Start to try again, or choose a file$/,
    );
    assert.equal(await info(), 'tiny-shakespeare: not loaded (the alert says why).');
    // a checksum that does not match: refused with one line, nothing trains, nothing is kept
    mirror.fail = false;
    mirror.sum = sha256('not this text');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(
      page,
      /^tiny-shakespeare from http:\/\/127\.0\.0\.1:\d+\/tiny-shakespeare\.txt has SHA-256 [0-9a-f]{64}, not [0-9a-f]{64}: it is damaged or not the published file, and was not kept; press Start to download it again, or choose a mirror that serves the published file$/,
    );
    assert.equal((await probe(page)).state, 'idle', 'nothing trains on it');
    assert.equal(await cachedTexts(page), 0, 'nothing is kept in Cache Storage');
    // the right checksum: a progress bar while it downloads, then its size; kept in Cache Storage
    mirror.sum = sha256(text);
    await page.getByLabel('Built-in text').check();
    await page.getByLabel('tiny-shakespeare').check();
    await page.locator('#text-progress').waitFor({ state: 'visible' });
    const partly = await page.locator('#text-progress').evaluate((e) => (e as HTMLProgressElement).value);
    assert.ok(partly < 1, `the progress bar shows ${partly}`);
    assert.match(await info(), /^Downloading tiny-shakespeare: \d+\.\d MB of 0\.3 MB…$/);
    const shakespeare = await until(page, 'tiny-shakespeare to download', (p) => p.textChars === textChars);
    assert.equal(shakespeare.textLoading, false);
    assert.equal(await page.locator('#text-progress').isVisible(), false);
    assert.match(
      await info(),
      new RegExp(
        `^tiny-shakespeare: ${thousands.format(textChars)} characters, \\d+ distinct symbols, downloaded from ` +
          `the mirror http://127\\.0\\.0\\.1:\\d+/ and kept in this browser\\.$`,
      ),
    );
    assert.equal(await page.getByRole('alert').isVisible(), false, 'choosing it again cleared the alert');
    assert.equal(txtRequests(), 3, 'three downloads: the failed one, the refused one, this one');
    assert.equal(await cachedTexts(page), 1);
    const sumRequests = mirror.requests.get('/tiny-shakespeare.txt.sha256');

    // the same mirror at this machine's address that is not a loopback one: such a mirror must serve the
    // published file, so the page never asks it for a checksum, and refuses the stand-in
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
    if (lan) {
      const lanPage = await context.newPage();
      lanPage.setDefaultTimeout(WAIT);
      await lanPage.goto(`${url}?mirror=${encodeURIComponent(`http://${lan}:${mirror.port}/`)}`);
      await until(lanPage, 'the worker to be ready', (p) => p.ready);
      await lanPage.getByLabel('tiny-shakespeare').check();
      await alertShows(
        lanPage,
        new RegExp(
          `^tiny-shakespeare from http://${lan.replace(/\./g, '\\.')}:\\d+/tiny-shakespeare\\.txt has SHA-256 ${sha256(text)}, not ${CATALOG[0]!.sha256}: `,
        ),
      );
      assert.equal(mirror.requests.get('/tiny-shakespeare.txt.sha256'), sumRequests, 'no checksum asked');
      assert.equal(txtRequests(), 4);
      assert.equal(await cachedTexts(lanPage), 1, 'nothing more kept');
      await lanPage.close();
    } else t.diagnostic('no address but loopback ones: the check of a mirror elsewhere is skipped');

    // an LSTM (the char-lstm recipe: 2 layers of 256, batch 32 x seq-length 64, two threads) trains on it
    await field('--preset').selectOption('char-lstm');
    await fillFields(page, [
      ['--eval-every', '20'],
      ['--sample-every', '40'],
      ['--seed', '1'],
    ]);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const lstmRun = await until(
      page,
      'char-lstm to train on tiny-shakespeare, with validation points and samples',
      (p) =>
        p.state === 'running' &&
        p.valCount >= 3 &&
        (p.lastSampleIter ?? 0) >= 40 &&
        p.lastVal !== null &&
        p.firstVal !== null &&
        p.lastVal < p.firstVal,
      120_000,
    );
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      /^Training: lstm 2×256, batch 32, seq-length 64, 2 threads on tiny-shakespeare \(300,026 characters/,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const speed = await probe(page);
    let pageCps = 0; // chars/s of training time, each probe over about the last second
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      pageCps += (await probe(page)).charsPerSec / 6;
    }
    t.diagnostic(
      `char-lstm in the page (2x256, batch 32, seq-length 64, ${speed.threads} threads) on the stand-in: ` +
        `${pageCps.toFixed(0)} chars/s; validation ` +
        `${lstmRun.firstVal!.toFixed(3)} -> ${lstmRun.lastVal!.toFixed(3)} nats/char by iteration ${lstmRun.iter}`,
    );

    // Save model keeps it in the list: under the name typed, or the text's name
    await page.getByLabel('Name', { exact: true }).fill('shakespeare lstm');
    await page.getByRole('button', { name: 'Save model' }).click();
    await until(page, 'the model to be kept', (p) => p.kept === 1);
    await drawn(page, 'the kept model', () => document.querySelector('#kept-rows .kept-name') !== null);
    await page.screenshot({
      path: join(mkdirp(join(root, 'test-output')), 'web-shakespeare.png'),
      fullPage: true,
    });
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), '');
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = await until(page, 'the paused state', (p) => p.state === 'paused');
    // the same recipe, text and threads in Node, while the page is paused (logged beside the page's, not
    // asserted: the machine may be busy; the goal is the page within 15% of Node)
    const textPath = join(work, 'stand-in.txt');
    writeFileSync(textPath, text);
    const nodeCps = cliCharsPerSecond(
      textPath,
      ['--eval-every', '20', '--sample-every', '40', '--seed', '1'],
      5,
    );
    t.diagnostic(
      `char-lstm in Node (the same settings and text, 2 threads): ${nodeCps.toFixed(0)} chars/s; the page ` +
        `at ${((pageCps / nodeCps) * 100).toFixed(0)}% of it`,
    );
    await page.getByRole('button', { name: 'Save model' }).click();
    await until(page, 'the second model to be kept', (p) => p.kept === 2);
    const second = keptRow(page, 'tiny-shakespeare');
    assert.equal(await second.cell('iter'), thousands.format(paused.iter));
    // a reload: the kept models are listed, and tiny-shakespeare comes from Cache Storage, not the mirror
    const downloads = txtRequests();
    await page.reload();
    await until(page, 'the worker to be ready after the reload', (p) => p.ready && p.kept === 2);
    const kept = keptRow(page, 'shakespeare lstm');
    assert.equal(await kept.cell('model'), 'lstm 2×256');
    const keptIter = Number((await kept.cell('iter')).replace(/,/g, ''));
    assert.ok(keptIter >= lstmRun.iter && keptIter <= paused.iter, `kept at iteration ${keptIter}`);
    const keptVal = await kept.cell('val');
    assert.match(keptVal, /^\d\.\d{3}$/);
    assert.ok(Number(keptVal) <= lstmRun.firstVal!, 'its best validation loss');
    assert.deepEqual(
      await page.locator('#kept-rows .kept-name').allTextContents(),
      ['tiny-shakespeare', 'shakespeare lstm'],
      'newest first',
    );
    await page.getByLabel('tiny-shakespeare').check();
    await until(page, 'tiny-shakespeare from Cache Storage', (p) => p.textChars === textChars);
    assert.match(await info(), /, kept in this browser\.$/);
    assert.equal(txtRequests(), downloads, 'the reload did not download it again');
    assert.equal(
      mirror.requests.get('/tiny-shakespeare.txt.sha256'),
      sumRequests,
      'nor asked for its checksum',
    );

    // Load: then Generate; Continue: load and train on at once
    await kept.button('Load').click();
    const loaded = await until(page, 'the kept model to load', (p) => p.state === 'loaded');
    assert.deepEqual([loaded.model, loaded.iter], ['lstm', keptIter]);
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      /^Loaded shakespeare lstm: lstm 2×256, batch 32, seq-length 64/,
    );
    await page.getByLabel('Length', { exact: true }).fill('100');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '100 characters from the kept model', (p) => !p.generating && p.generated === 100);
    await kept.button('Continue').click();
    await until(
      page,
      'the kept model to train on',
      (p) => p.state === 'running' && p.model === 'lstm' && p.iter >= keptIter + 3,
      60_000,
    );
    assert.match(
      (await page.locator('#status').textContent()) ?? '',
      /^Training: lstm 2×256.* on tiny-shakespeare/,
    );
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the paused state', (p) => p.state === 'paused');

    // Download: its checkpoint, which the library restores
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      kept.button('Download').click(),
    ]);
    assert.equal(download.suggestedFilename(), `charrnn-shakespeare-lstm-${keptIter}.safetensors`);
    const keptPath = join(work, 'kept.safetensors');
    await download.saveAs(keptPath);
    const restored = Trainer.fromCheckpoint(new Uint8Array(readFileSync(keptPath)));
    assert.deepEqual(
      [restored.config.model, restored.config.layers, restored.config.hidden, restored.iter],
      ['lstm', 2, 256, keptIter],
    );
    assert.equal(restored.bestValLoss.toFixed(3), keptVal);
    restored.close();

    // Delete: gone from the list, also after a reload
    await second.button('Delete').click();
    await until(page, 'one kept model', (p) => p.kept === 1);
    await kept.button('Delete').click();
    await until(page, 'no kept model', (p) => p.kept === 0);
    assert.equal(await page.locator('#kept').isVisible(), false);
    // (Reset: the paused run would be kept by the reload, as the model in training when the page closed)
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the reset', (p) => p.state === 'idle');
    await page.reload();
    await until(page, 'the worker to be ready after the reload', (p) => p.ready);
    await drawn(page, 'an empty list', () =>
      (document.getElementById('kept-note')?.textContent ?? '').startsWith('No models kept yet'),
    );
    assert.equal(await page.getByRole('alert').isVisible(), false);
    assert.deepEqual(pageErrors, [], 'no errors in the page');

    // a full storage quota (another context, whose origin gets a quota of 1000 bytes before the page opens
    // its storage): tiny-shakespeare downloads but is not kept, and Save model is one line, nothing kept
    full = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const fullPage = await full.newPage();
    fullPage.setDefaultTimeout(WAIT);
    const cdp = await full.newCDPSession(fullPage);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(url).origin, quotaSize: 1000 });
    await fullPage.goto(pageUrl);
    await until(fullPage, 'the worker to be ready', (p) => p.ready);
    await fullPage.getByLabel('tiny-shakespeare').check();
    await until(fullPage, 'tiny-shakespeare to download', (p) => p.textChars === textChars);
    assert.match(
      (await fullPage.locator('#text-info').textContent()) ?? '',
      /, downloaded from the mirror http:\/\/127\.0\.0\.1:\d+\/ \(the browser would not keep it\)\.$/,
    );
    await fullPage.locator('#checkpoint-file').setInputFiles(keptPath);
    await until(fullPage, 'the kept checkpoint to load', (p) => p.state === 'loaded');
    await fullPage.getByRole('button', { name: 'Save model' }).click();
    await alertShows(
      fullPage,
      /^the browser's storage is full: 'kept\.safetensors' \(\d+ bytes\) was not kept; delete kept models you no longer need, or use Download checkpoint$/,
    );
    await drawn(fullPage, 'an empty list', () =>
      (document.getElementById('kept-note')?.textContent ?? '').startsWith('No models kept yet'),
    );
    assert.equal((await probe(fullPage)).kept, 0);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(url).origin });
  } finally {
    await context?.close();
    await full?.close();
    await mirror.close();
  }
});

/**
 * Training chars/s of the char-lstm preset (its two threads) through the real CLI (as a user runs it,
 * relaxed-simd on) on `textPath`, with `flags`, over about `seconds` of training time: from its log,
 * iterations against training time after the first five, the rate the page's probe reports, measured alike.
 */
function cliCharsPerSecond(textPath: string, flags: string[], seconds: number): number {
  const logPath = `${textPath}.speed.jsonl`;
  execFileSync(
    process.execPath,
    [
      CLI,
      'train',
      textPath,
      '--preset',
      'char-lstm',
      ...flags,
      '--time-limit',
      String(seconds),
      '--log-file',
      logPath,
      '--log-every',
      '5',
    ],
    { stdio: 'ignore' },
  );
  const { batch, seqLength } = presetConfig('char-lstm');
  const steps = readFileSync(logPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { iter: number; elapsedSeconds: number; loss?: number })
    .filter((r) => r.loss !== undefined);
  const first = steps.find((r) => r.iter >= 5)!;
  const last = steps.at(-1)!;
  return ((last.iter - first.iter) * batch * seqLength) / (last.elapsedSeconds - first.elapsedSeconds);
}

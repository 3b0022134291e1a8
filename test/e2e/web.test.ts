// End to end: builds the page with Vite, serves it on 127.0.0.1, drives Debian's Chromium through it:
// bad input shows a one-line alert, training the seed (min-char-rnn) on the built-in text draws a falling
// loss and samples, the controls answer while it trains, generation streams, Save downloads a checkpoint
// the library reads, a seed trained with --clip off saves and loads back, and a checkpoint written by the
// real CLI loads, generates and trains on to --iters 300, saving exactly what the CLI's own resume to 300
// saves. Then other models through the same pipeline: an LSTM on the built-in text (the char-lstm preset
// is too big for it: a clear alert; the page's small settings train), validation points on the chart,
// samples, generation, its checkpoint saves, loads and trains on, and it exports to PyTorch and ONNX; a
// GRU the CLI exported to the PyTorch layout loads, generates and saves its weights back. Data parallelism: the page is
// cross-origin isolated, so the LSTM trains on two threads (Web Workers sharing memory), and chars/s on
// one and two threads are logged; served without the isolation headers, the page falls back to one thread
// and says so; a shard worker that cannot start is an alert, not a hang. Screenshots:
// test-output/web-seed.png (the seed) and test-output/web.png (the LSTM).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import { decodeSafetensors } from '../../src/checkpoint/safetensors.js';
import { Trainer } from '../../src/training/trainer.js';
import { BUILTIN_TEXT } from '../../web/corpus.js';
import { assertSameCheckpoint } from '../helpers/checkpoints.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const CLI = join(root, 'dist/cli/main.js');
const WAIT = 30_000;

/** The page's window.__charrnn (see web/ui/probe.ts). */
interface Probe {
  ready: boolean;
  backend: string;
  state: string;
  model: string;
  iter: number;
  pointCount: number;
  firstLoss: number | null;
  lastLoss: number | null;
  itersPerSec: number;
  charsPerSec: number;
  valCount: number;
  firstVal: number | null;
  lastVal: number | null;
  lastValBits: number | null;
  axisLabel: string;
  samples: number;
  lastSampleIter: number | null;
  generating: boolean;
  generated: number;
  errors: number;
  isolated: boolean;
  threadsAvailable: boolean;
  threads: number;
}

const probe = (page: Page): Promise<Probe> =>
  page.evaluate(() => ({ ...(window as unknown as { __charrnn: Probe }).__charrnn }));

/** Waits (bounded) until the probe satisfies `ok`; the message says what was awaited and the last probe. */
async function until(page: Page, what: string, ok: (p: Probe) => boolean, timeout = WAIT): Promise<Probe> {
  const end = Date.now() + timeout;
  let last = await probe(page);
  while (!ok(last)) {
    if (Date.now() > end)
      assert.fail(`timed out after ${timeout} ms waiting for ${what}; page state: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe(page);
  }
  return last;
}

/** Waits (bounded) for the page's redraw (at most 5 a second) to show what `check` looks for in the DOM. */
async function drawn(page: Page, what: string, check: () => boolean): Promise<void> {
  try {
    await page.waitForFunction(check, undefined, { timeout: WAIT });
  } catch {
    assert.fail(`timed out after ${WAIT} ms waiting for the page to draw ${what}`);
  }
}

/** Waits (bounded) until the page runs `n` shard workers (Playwright lists nested workers too). */
async function shardWorkers(page: Page, what: string, n: number): Promise<void> {
  const count = () => page.workers().filter((w) => /shard-worker/.test(w.url())).length;
  const end = Date.now() + WAIT;
  while (count() !== n) {
    if (Date.now() > end)
      assert.fail(`timed out waiting for ${what}: ${count()} shard workers, expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits (bounded) until the page's alert shows a line matching `re`. */
async function alertShows(page: Page, re: RegExp, timeout = WAIT): Promise<void> {
  const alert = page.getByRole('alert');
  const end = Date.now() + timeout;
  for (;;) {
    const text = (await alert.isVisible()) ? ((await alert.textContent()) ?? '') : '';
    if (re.test(text)) return;
    if (Date.now() > end)
      assert.fail(`timed out after ${timeout} ms waiting for an alert matching ${re}; it shows '${text}'`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the web page trains, charts, samples, saves and loads in Chromium', { timeout: 240_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(
      `${CHROMIUM} not found: the browser test needs Debian's Chromium; install it with apt-get install chromium`,
    );
  }
  if (!existsSync(CLI))
    assert.fail(`${CLI} not found: run npm run build first (the test loads a checkpoint the CLI writes)`);

  const work = mkdtempSync(join(tmpdir(), 'charrnn-web-'));
  let server: PreviewServer | undefined;
  /** the same build without the isolation headers, and a copy whose shard worker throws */
  let plain: PreviewServer | undefined;
  let broken: PreviewServer | undefined;
  let browser: Browser | undefined;
  try {
    // the production build, served as static files
    const outDir = join(work, 'dist');
    await build({
      configFile: join(root, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    server = await preview({
      configFile: join(root, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    });
    const { port } = server.httpServer.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
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
      page.getByRole('button', { name: 'Save model' }).click(),
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
      page.getByRole('button', { name: 'Save model' }).click(),
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
    writeFileSync(textPath, BUILTIN_TEXT);
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
      page.getByRole('button', { name: 'Save model' }).click(),
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
    // the CLI's char-lstm preset fills its settings: too big for 2.7 KB of text, and the core says so
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
    // back to the seed, then --model lstm with the built-in text: the page's small settings
    await field('--model').selectOption('rnn');
    assert.equal(await field('--preset').inputValue(), 'min-char-rnn');
    assert.equal(await field('--hidden').inputValue(), '100');
    await field('--model').selectOption('lstm');
    assert.equal(await field('--preset').inputValue(), '', 'custom settings');
    for (const [flag, value] of [
      ['--layers', '1'],
      ['--hidden', '64'],
      ['--embedding', '32'],
      ['--batch', '4'],
      ['--seq-length', '32'],
      ['--optimizer', 'adam'],
      ['--val-fraction', '0.1'],
      ['--eval-every', '50'],
    ] as const) {
      assert.equal(await field(flag).inputValue(), value, `${flag} for the built-in text`);
    }
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
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(
      page,
      /the validation split has 274 characters, but 64 streams of seq-length 32 need at least 2049/,
    );
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
      page.getByRole('button', { name: 'Save model' }).click(),
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
      page.getByRole('button', { name: 'Save model' }).click(),
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
    assert.equal(await plainPage.getByRole('alert').isVisible(), false);
    await plainPage.close();

    // a shard worker that cannot start (its script throws) is an alert at once, not a hang; the page
    // still trains on one thread
    const brokenDir = join(work, 'broken');
    cpSync(outDir, brokenDir, { recursive: true });
    const shardScript = readdirSync(join(brokenDir, 'assets')).find((f) => f.startsWith('shard-worker'));
    assert.ok(shardScript, 'the build has a shard worker chunk');
    writeFileSync(join(brokenDir, 'assets', shardScript), 'throw new Error("broken on purpose");\n');
    broken = await preview({
      configFile: join(root, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: brokenDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    });
    const brokenPage = await context.newPage();
    brokenPage.setDefaultTimeout(WAIT);
    await brokenPage.goto(`http://127.0.0.1:${(broken.httpServer.address() as AddressInfo).port}/`);
    await until(brokenPage, 'the worker to be ready', (p) => p.ready && p.threadsAvailable);
    await brokenPage.getByLabel('--model', { exact: true }).selectOption('lstm');
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
    await browser?.close();
    await server?.close();
    await plain?.close();
    await broken?.close();
    rmSync(work, { recursive: true, force: true });
  }
});

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

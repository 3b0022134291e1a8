// End to end: builds the page with Vite, serves it on 127.0.0.1, drives Debian's Chromium through it:
// bad input shows a one-line alert, training on the built-in text draws a falling loss and samples, the
// controls answer while it trains, generation streams, Save downloads a checkpoint the library reads,
// and a checkpoint written by the real CLI loads, generates and trains on. Then the models beyond the
// seed: an LSTM on the built-in text (the CLI's preset is too big for it: a clear alert; the page's small
// settings train), validation points on the chart, samples, generation, and its checkpoint saves, loads
// and trains on. Screenshots: test-output/web-seed.png (the seed) and test-output/web.png (the LSTM).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { isRecipeCheckpoint, ModelTrainer } from '../../src/recipe.js';
import { Trainer } from '../../src/train.js';
import { BUILTIN_TEXT } from '../../web/corpus.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const CLI = join(root, 'dist/cli/main.js');
const WAIT = 30_000;

/** The page's window.__charrnn (see web/main.ts). */
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

    // bad input: a one-line alert, not a stall
    await page.getByLabel('--hidden').fill('abc');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /--hidden must be a number, got 'abc'/);
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
    await page.getByLabel('Length', { exact: true }).fill('150');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '150 characters from the CLI checkpoint', (p) => !p.generating && p.generated === 150);
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    const resumed = await until(
      page,
      'training to continue from iteration 200',
      (p) => p.state === 'running' && p.iter > 250,
    );
    assert.ok(
      resumed.firstLoss !== null &&
        Math.abs(
          resumed.firstLoss - Trainer.fromCheckpoint(new Uint8Array(readFileSync(cliPath))).smoothLoss,
        ) < 1e-9,
    );
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the paused state', (p) => p.state === 'paused');

    // ---- beyond the seed: an LSTM (ModelTrainer) on the built-in text ----
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
    const field = (flag: string) => page.getByLabel(flag, { exact: true });
    assert.equal(await field('--batch').isVisible(), false, 'recipe fields are hidden for the seed');
    // the CLI's char-lstm preset fills its settings: too big for 2.7 KB of text, and the core says so
    await field('--preset').selectOption('char-lstm');
    assert.equal(await field('--model').inputValue(), 'lstm');
    assert.equal(await field('--batch').inputValue(), '32');
    assert.equal(await field('--seq-length').inputValue(), '64');
    assert.equal(await field('--hidden').inputValue(), '256');
    assert.equal(await field('--clip').isVisible(), false, "--clip is the seed's, --clip-norm the recipe's");
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
    // bad recipe settings: one-line alerts naming the flag
    await field('--dropout').fill('1');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /^--dropout is out of range: 1$/);
    await field('--dropout').fill('0.2');
    await field('--layers').fill('0');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(page, /^--layers must be an integer >= 1, got 0$/);
    await field('--layers').fill('1');
    await field('--batch').fill('64');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await alertShows(
      page,
      /the validation split has 274 characters, but 64 streams of seq-length 32 need at least 2049/,
    );
    assert.equal((await probe(page)).state, 'idle');
    await field('--batch').fill('4');
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
      `in-page speed (LSTM 1x64, embedding 32, batch 4, seq-length 32, f32, ${lstmSpeed.backend} kernels): ` +
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

    // Save: a recipe checkpoint the library restores
    const [lstmDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT }),
      page.getByRole('button', { name: 'Save model' }).click(),
    ]);
    const lstmPath = join(work, 'lstm.safetensors');
    await lstmDownload.saveAs(lstmPath);
    const lstmBytes = new Uint8Array(readFileSync(lstmPath));
    assert.ok(isRecipeCheckpoint(lstmBytes));
    const lstm = ModelTrainer.fromCheckpoint(lstmBytes);
    assert.equal(lstm.config.model, 'lstm');
    assert.deepEqual(
      [lstm.config.layers, lstm.config.hidden, lstm.config.batch, lstm.config.seqLength, lstm.config.seed],
      [1, 64, 4, 32, 3],
    );
    assert.ok(lstm.iter > lstmRun.iter && Number.isFinite(lstm.bestValLoss));

    // load it back: the model-defining settings come from the checkpoint and are locked; generate; continue
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
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
    await page.getByLabel('Length', { exact: true }).fill('120');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '120 characters from the LSTM checkpoint', (p) => !p.generating && p.generated === 120);
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(
      page,
      'the LSTM to continue with validation points',
      (p) => p.state === 'running' && p.iter > lstm.iter + 100 && p.valCount >= 2,
    );
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the paused state', (p) => p.state === 'paused');

    // a GRU checkpoint the real CLI wrote with --threads 2: the page loads it and trains on with one thread
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the idle state after Reset', (p) => p.state === 'idle' && p.pointCount === 0);
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
    assert.equal(await field('--layers').inputValue(), '2');
    await page.getByLabel('Prime').fill('');
    await page.getByLabel('Length', { exact: true }).fill('80');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(page, '80 characters from the GRU checkpoint', (p) => !p.generating && p.generated === 80);
    await page.getByRole('button', { name: 'Start (continue)' }).click();
    await until(
      page,
      'the GRU to continue with validation points',
      (p) => p.state === 'running' && p.iter > 160 && p.valCount >= 2 && p.axisLabel === 'loss (nats/char)',
    );
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the paused state', (p) => p.state === 'paused');

    assert.deepEqual(pageErrors, [], 'no errors in the page console');
    assert.equal(await page.getByRole('alert').isVisible(), false);
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  }
});

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

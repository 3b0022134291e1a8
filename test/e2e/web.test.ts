// End to end: builds the page with Vite, serves it on 127.0.0.1, drives Debian's Chromium through it:
// bad input shows a one-line alert, training on the built-in text draws a falling loss and samples, the
// controls answer while it trains, generation streams, Save downloads a checkpoint the library reads,
// and a checkpoint written by the real CLI loads, generates and trains on. Screenshot: test-output/web.png.
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
  iter: number;
  pointCount: number;
  firstLoss: number | null;
  lastLoss: number | null;
  itersPerSec: number;
  charsPerSec: number;
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
    await page.screenshot({ path: join(mkdirp(join(root, 'test-output')), 'web.png'), fullPage: true });
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

// What the browser tests share (test/e2e/*.test.ts): the production build of the page, served on
// 127.0.0.1 with the isolation headers, and one Debian Chromium, made by the first test that asks and
// ended after the last; and the ways they read and drive the page (the probe, window.__charrnn of
// web/ui/probe.ts; bounded waits; the alert; form fields).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import type { Probe } from '../../web/ui/probe.js';
import { CLI, ROOT } from '../helpers/cli.js';

export { CLI, ROOT as root } from '../helpers/cli.js';
export const CHROMIUM = '/usr/bin/chromium';
/** the CLI's built-in corpus, which the page's build takes as its built-in text */
export const BUILTIN_PATH = join(ROOT, 'dist/builtin-corpus.txt');
export const WAIT = 30_000;

export const probe = (page: Page): Promise<Probe> => page.evaluate(() => ({ ...window.__charrnn })); // the page's window.__charrnn (web/ui/probe.ts)

/** Waits (bounded) until the probe satisfies `ok`; the message says what was awaited and the last probe. */
export async function until(
  page: Page,
  what: string,
  ok: (p: Probe) => boolean,
  timeout = WAIT,
): Promise<Probe> {
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
export async function drawn(page: Page, what: string, check: () => boolean): Promise<void> {
  try {
    await page.waitForFunction(check, undefined, { timeout: WAIT });
  } catch {
    assert.fail(`timed out after ${WAIT} ms waiting for the page to draw ${what}`);
  }
}

/** Waits (bounded) until the page runs `n` shard workers (Playwright lists nested workers too). */
export async function shardWorkers(page: Page, what: string, n: number): Promise<void> {
  const count = () => page.workers().filter((w) => /shard-worker/.test(w.url())).length;
  const end = Date.now() + WAIT;
  while (count() !== n) {
    if (Date.now() > end)
      assert.fail(`timed out waiting for ${what}: ${count()} shard workers, expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A kept model's row in the list, by its name: a cell by its class's end ('iter', 'val'...), a button by its name. */
export function keptRow(page: Page, name: string) {
  const row = page.locator('#kept-rows tr').filter({ has: page.locator('.kept-name', { hasText: name }) });
  const cell = async (c: string) => (await row.locator(`.kept-${c}`).textContent()) ?? '';
  const button = (label: string) => row.getByRole('button', { name: label, exact: true });
  return { row, cell, button };
}

/** A small LSTM that trains fast in the page: 1 layer of 64, batch 4 x seq-length 32, evaluations every 50. */
export const SMALL_LSTM = [
  ['--layers', '1'],
  ['--hidden', '64'],
  ['--embedding', '32'],
  ['--dropout', '0.2'],
  ['--batch', '4'],
  ['--seq-length', '32'],
  ['--eval-every', '50'],
  ['--sample-every', '200'],
] as const;

export async function fillFields(page: Page, values: readonly (readonly [string, string])[]): Promise<void> {
  for (const [flag, value] of values) await page.getByLabel(flag, { exact: true }).fill(value);
}

/** Waits (bounded) until the page's alert shows a line matching `re`. */
export async function alertShows(page: Page, re: RegExp, timeout = WAIT): Promise<void> {
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

/** What the tests share: the production build, served as static files with the isolation headers, and
 * one Chromium; made by the first test that asks, ended after the last. */
export interface Shared {
  work: string;
  outDir: string;
  url: string;
  server: PreviewServer;
  browser: Browser;
}
/** The page's vite config, loaded by vite's module runner: nothing bundled into node_modules/.vite-temp. */
const PAGE_CONFIG = {
  configFile: join(ROOT, 'web/vite.config.ts'),
  configLoader: 'runner',
  logLevel: 'warn',
} as const;

/** The page built into `outDir`, served on a free port of 127.0.0.1 with the config's isolation headers. */
export function previewPage(outDir: string): Promise<PreviewServer> {
  return preview({
    ...PAGE_CONFIG,
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
}

let sharedSetup: Promise<Shared> | undefined;

export function shared(): Promise<Shared> {
  sharedSetup ??= (async () => {
    if (!existsSync(CHROMIUM)) {
      assert.fail(
        `${CHROMIUM} not found: the browser test needs Debian's Chromium; install it with apt-get install chromium`,
      );
    }
    if (!existsSync(CLI) || !existsSync(BUILTIN_PATH)) {
      assert.fail(
        `${CLI} or ${BUILTIN_PATH} not found: run npm run build first (the page's built-in text is the CLI's, ` +
          'and the test loads a checkpoint the CLI writes)',
      );
    }
    const work = mkdtempSync(join(tmpdir(), 'charrnn-web-'));
    const outDir = join(work, 'dist');
    await build({ ...PAGE_CONFIG, build: { outDir, emptyOutDir: true } });
    const server = await previewPage(outDir);
    const { port } = server.httpServer.address() as AddressInfo;
    const browser = await chromium.launch({
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
    return { work, outDir, url: `http://127.0.0.1:${port}/`, server, browser };
  })();
  return sharedSetup;
}

after(async () => {
  const s = await sharedSetup?.catch(() => undefined);
  await s?.browser.close();
  await s?.server.close();
  if (s) rmSync(s.work, { recursive: true, force: true });
});

// End to end, nothing lost and nothing crashes in the page (test/e2e/page.ts builds, serves and drives it).
// A shard worker that dies mid-run (a build whose shard worker closes itself at its 300th command) stops
// the run within 5 s with one line, and the model from before the failed step is kept in the browser, from
// where it loads (its checkpoint: the same iteration, its carried states reset) and trains on. The
// training worker dying (it closes itself) is heard within 5 s too: one line, its last checkpoint (at
// most 5 s old) kept, a new worker started, and the kept model continues. And 1,000 generate calls in a
// row leave the JS heaps of the page and of the training worker flat (through CDP, after a forced GC; logged).
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { readCheckpoint } from '../../src/checkpoint/format.js';
import {
  fillFields,
  keptRow,
  previewPage,
  probe,
  SMALL_LSTM,
  shardWorkers,
  shared,
  until,
  WAIT,
} from './page.js';

/** how soon a death must be told */
const DETECT_MS = 5000;

/** When the alert first shows a line matching `re` (Date.now()), and the line. */
async function alertAt(
  page: Page,
  re: RegExp,
): Promise<{ at: number; line: string; match: RegExpMatchArray }> {
  const alert = page.getByRole('alert');
  const end = Date.now() + WAIT;
  for (;;) {
    const line = (await alert.isVisible()) ? ((await alert.textContent()) ?? '') : '';
    const match = line.match(re);
    if (match) return { at: Date.now(), line, match };
    if (Date.now() > end)
      assert.fail(`timed out after ${WAIT} ms waiting for an alert matching ${re}; it shows '${line}'`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Downloads a kept model's checkpoint through its row's Download button. */
async function keptCheckpoint(page: Page, name: string) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    keptRow(page, name).button('Download').click(),
  ]);
  const path = await download.path();
  return readCheckpoint(readFileSync(path), name);
}

/**
 * A copy of the build whose shard worker, at its `at`th command, says when on a BroadcastChannel and
 * closes itself (then throws, to leave the blocked call: a worker that just ended, as one that crashed
 * or ran out of memory would).
 */
function dyingBuild(outDir: string, dir: string, at: number): void {
  cpSync(outDir, dir, { recursive: true });
  const script = readdirSync(join(dir, 'assets')).find((f) => f.startsWith('shard-worker'));
  assert.ok(script, 'the build has a shard worker chunk');
  const path = join(dir, 'assets', script);
  const dying = `{
  const wait = Atomics.wait;
  let commands = 0;
  Atomics.wait = (array, index, value, timeout) => {
    const woke = wait(array, index, value, timeout);
    if (index === 0 && ++commands === ${at}) {
      new BroadcastChannel('charrnn-test').postMessage(Date.now());
      self.close();
      throw new Error('a shard worker that closes itself on purpose');
    }
    return woke;
  };
}
`;
  writeFileSync(path, dying + readFileSync(path, 'utf8'));
}

test('a dead shard worker or training worker stops the run with one line and keeps the model', {
  timeout: 240_000,
}, async (t) => {
  const { work, outDir, browser } = await shared();
  let dying: PreviewServer | undefined;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  try {
    dyingBuild(outDir, join(work, 'dying'), 300);
    dying = await previewPage(join(work, 'dying'));
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(`http://127.0.0.1:${(dying.httpServer.address() as AddressInfo).port}/`);
    await until(page, 'the worker to be ready', (p) => p.ready && p.threadsAvailable);
    await page.evaluate(() => {
      const w = window as unknown as { diedAt?: number; channel?: BroadcastChannel };
      w.channel = new BroadcastChannel('charrnn-test');
      w.channel.onmessage = (e: MessageEvent<number>) => {
        w.diedAt = e.data;
      };
    });
    const field = (flag: string) => page.getByLabel(flag, { exact: true });

    // a small LSTM on two threads, without validation (a command per step): the shard worker dies at
    // its 300th command, at about iteration 300
    await field('--model').selectOption('lstm');
    await fillFields(page, [...SMALL_LSTM, ['--val-fraction', '0']]);
    await field('--threads').selectOption('2');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await until(page, 'the LSTM to train on two threads', (p) => p.state === 'running' && p.threads === 2);
    const lost = await alertAt(
      page,
      /^worker thread 1 died \(its Web Worker ended: it was closed, crashed or ran out of memory\) at iteration (\d+); the model from before that step is kept as '(.+ \(recovered at [\d,]+\))' in Kept models: press Continue there to go on$/,
    );
    const diedAt = await page.evaluate(() => (window as unknown as { diedAt?: number }).diedAt);
    assert.ok(diedAt, 'the shard worker said when it died');
    const shardMs = lost.at - diedAt;
    t.diagnostic(`a shard worker that died: the alert after ${shardMs} ms: ${lost.line}`);
    assert.ok(shardMs < DETECT_MS, `told after ${shardMs} ms`);
    const iter = Number(lost.match[1]);
    assert.ok(iter >= 250, `it died at iteration ${iter}, in training`);
    const name = lost.match[2]!;
    const stopped = await probe(page);
    assert.equal(stopped.state, 'finished', 'the run stopped');
    assert.equal(stopped.iter, iter, 'at the iteration the line names');
    assert.equal(stopped.recovered, 1);
    // the kept model: the checkpoint from before the failed step, its carried states reset
    await keptRow(page, name).row.waitFor();
    const kept = await keptCheckpoint(page, name);
    assert.equal(kept.progress.iter, iter);
    assert.equal(kept.config.threads, 2);
    assert.ok(
      kept.state.every((x) => x === 0),
      'its carried states are reset',
    );
    // it loads and trains on (on one thread: this build's shard workers all die)
    await page.getByRole('button', { name: 'Reset' }).click();
    await until(page, 'the reset', (p) => p.state === 'idle');
    await keptRow(page, name).button('Load').click();
    await until(page, 'the kept model to load', (p) => p.state === 'loaded' && p.iter === iter);
    await field('--threads').selectOption('1');
    await page.getByRole('button', { name: /^Start/ }).click();
    await until(page, 'the kept model to train on', (p) => p.state === 'running' && p.iter >= iter + 20);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.close();

    // the training worker itself dies (the real build): two threads, so its shard worker goes with it
    const { url } = await shared();
    const main = await context.newPage();
    main.setDefaultTimeout(WAIT);
    await main.goto(url);
    await until(main, 'the worker to be ready', (p) => p.ready && p.threadsAvailable);
    const mainField = (flag: string) => main.getByLabel(flag, { exact: true });
    await mainField('--model').selectOption('lstm');
    await fillFields(main, SMALL_LSTM);
    await mainField('--threads').selectOption('2');
    await main.getByRole('button', { name: 'Start', exact: true }).click();
    await shardWorkers(main, 'the shard worker', 1);
    // the page holds a checkpoint of the run no older than 5 s (the first after 5 s of training)
    const held = await until(main, 'a checkpoint held by the page', (p) => p.heldIter !== null, 20_000);
    assert.equal(held.trainingWorkers, 1);
    const trainingWorker = main.workers().find((w) => /\/worker-[^/]*\.js$/.test(w.url()));
    assert.ok(trainingWorker, 'the training worker');
    const closed = Date.now();
    // (the answer may not make it back: the worker is gone)
    await trainingWorker.evaluate(() => self.close()).catch(() => undefined);
    const ended = await alertAt(
      main,
      /^the training worker stopped \(it was ended, crashed or ran out of memory\); a new one is started; the model at iteration ([\d,]+) \(its last checkpoint\) is kept as '(.+ \(recovered at [\d,]+\))' in Kept models: press Continue there to go on$/,
    );
    const workerMs = ended.at - closed;
    t.diagnostic(`the training worker that died: the alert after ${workerMs} ms: ${ended.line}`);
    assert.ok(workerMs < DETECT_MS, `told after ${workerMs} ms`);
    const heldIter = Number(ended.match[1]!.replace(/,/g, ''));
    const again = await until(main, 'a new training worker', (p) => p.ready && p.trainingWorkers === 2);
    assert.equal(again.state, 'idle');
    assert.equal(again.recovered, 1);
    await shardWorkers(main, 'the shard worker to end with the training worker', 0);
    // Continue: the kept model trains on, from its iteration, on two threads again
    await keptRow(main, ended.match[2]!).button('Continue').click();
    await until(
      main,
      'the kept model to continue',
      (p) => p.state === 'running' && p.threads === 2 && p.iter >= heldIter + 20,
    );
    await main.getByRole('button', { name: 'Pause' }).click();
    await main.close();
  } finally {
    await context.close();
    await dying?.close();
  }
});

test('1,000 generate calls in a row leave the JS heap flat', { timeout: 240_000 }, async (t) => {
  const { url, browser } = await shared();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(url);
    await until(page, 'the worker to be ready', (p) => p.ready);
    // the seed's model in training, paused: each generate samples from a snapshot of it
    await page.getByLabel('--seed', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await until(page, 'some training', (p) => p.state === 'running' && p.iter >= 200);
    await page.getByRole('button', { name: 'Pause' }).click();
    await until(page, 'the pause', (p) => p.state === 'paused');
    const LENGTH = 100;
    await page.locator('#gen-length').fill(String(LENGTH));

    // the page's heap: Chromium's metrics; the training worker's (where the sampling runs): its own
    // session, through the page's (Target.sendMessageToTarget: Playwright keeps worker sessions to itself)
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    let trainingSession = '';
    const replies = new Map<number, (result: unknown) => void>();
    cdp.on('Target.attachedToTarget', (e) => {
      if (/\/worker-[^/]*\.js$/.test(e.targetInfo.url)) trainingSession = e.sessionId;
    });
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const reply = JSON.parse(e.message) as { id?: number; result?: unknown };
      if (reply.id !== undefined) replies.get(reply.id)?.(reply.result);
    });
    await cdp.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false,
    });
    let lastId = 0;
    const inWorker = <T>(method: string) =>
      new Promise<T>((resolve) => {
        const id = ++lastId;
        replies.set(id, (result) => resolve(result as T));
        const message = JSON.stringify({ id, method, params: {} });
        void cdp.send('Target.sendMessageToTarget', { sessionId: trainingSession, message });
      });
    const end = Date.now() + WAIT;
    while (!trainingSession && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.ok(trainingSession, 'a session with the training worker');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      await inWorker('HeapProfiler.collectGarbage');
      await inWorker('HeapProfiler.collectGarbage');
      const { usedSize } = await inWorker<{ usedSize: number }>('Runtime.getHeapUsage');
      return { page: metrics.find((m) => m.name === 'JSHeapUsedSize')!.value, worker: usedSize };
    };
    /** `n` generate calls, each awaited to its last character, by the Generate button */
    const generate = (n: number) =>
      page.evaluate(
        async ([n, length, wait]) => {
          const button = document.getElementById('generate') as HTMLButtonElement;
          for (let i = 0; i < n; i++) {
            button.click();
            const end = Date.now() + wait;
            while (window.__charrnn.generating || window.__charrnn.generated !== length) {
              if (Date.now() > end) throw new Error(`a generate call did not end within ${wait} ms`);
              await new Promise((r) => setTimeout(r, 0));
            }
          }
        },
        [n, LENGTH, WAIT] as const,
      );
    const sizes = [await heap()];
    const started = Date.now();
    for (let batch = 0; batch < 10; batch++) {
      await generate(100);
      sizes.push(await heap());
    }
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`1,000 generate calls of ${LENGTH} characters in ${seconds.toFixed(1)} s`);
    assert.equal((await probe(page)).errors, 0, 'no alert');
    const kb = (x: number) => `${(x / 1024).toFixed(0)} KB`;
    // from call 100 to 1,000, the page's heap may grow by 5%; the worker's by 256 KB, since it grows by about
    // 130 KB over its first 600 calls (the JIT's code and type feedback: measured over 4,000 calls, it stays
    // at about 1.3 MB from call 600 on), while a model kept per call would take tens of MB
    for (const where of ['page', 'worker'] as const) {
      const used = sizes.map((s) => s[where]);
      const after100 = used[1]!;
      const last = used[used.length - 1]!;
      const growth = last - after100;
      t.diagnostic(
        `JS heap used by the ${where === 'page' ? "page's main thread (JSHeapUsedSize)" : 'training worker (Runtime.getHeapUsage)'}, ` +
          `after a forced GC, before and after every 100 calls: ${used.map(kb).join(', ')}; from call 100 to ` +
          `1,000: ${growth >= 0 ? '+' : ''}${kb(growth)} (${((growth / after100) * 100).toFixed(2)}%)`,
      );
      const bound = where === 'page' ? 0.05 * after100 : 256 * 1024;
      assert.ok(
        growth < bound,
        `the ${where}'s heap grew by ${kb(growth)} from call 100 to 1,000, more than ${kb(bound)}`,
      );
    }
  } finally {
    await context.close();
  }
});

// `charrnn download` and catalog names where a text file is expected, against a local HTTP server
// (node:http on 127.0.0.1, started here, counting its requests) with CHARRNN_MIRROR pointing at it and
// XDG_CACHE_HOME at a temporary folder. The real catalog text (tiny-shakespeare) is not in the repository
// and never served here, so the catalog's paths that need its bytes are tested honestly in two ways: through
// the CLI, everything that does not need them (a cache hit with a file of the catalog's size and no request,
// a file of that name winning, and every failure: wrong checksum, HTTP 500, a cut, no network); and in
// process, the success path of the same function the CLI calls (catalogText) with an entry made here for a
// generated text. `--url --sha256 -o` covers a checked download through the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { catalogText } from '../../src/cli/download.js';
import { type CatalogEntry, findText } from '../../src/data/catalog.js';
import { CLI } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'charrnn-download-'));
const cache = join(dir, 'cache');
after(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = Buffer.from('To be, or not to be, that is the question:\n'.repeat(3000)); // 129 kB
const SHA = createHash('sha256').update(TEXT).digest('hex');
const SHAKESPEARE = findText('tiny-shakespeare')!;

/** Requests by path since the last reset. */
let requests: string[] = [];
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const [, kind] = path.split('/');
    if (kind === 'ok') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': TEXT.length });
      res.end(TEXT);
    } else if (kind === 'page') {
      // a web page about the file (as GitHub's blob view is), answered 200
      const page = Buffer.from('<!DOCTYPE html>\n<html><body><pre>To be, or not to be</pre></body></html>\n');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length });
      res.end(page);
    } else if (kind === 'moved') {
      res.writeHead(302, { location: `/ok${path.slice('/moved'.length)}` });
      res.end();
    } else if (kind === 'fail') {
      res.writeHead(500, 'Internal Server Error');
      res.end('oops');
    } else if (kind === 'cut') {
      // announces the whole text, sends a third of it, then drops the connection
      res.writeHead(200, { 'content-length': TEXT.length });
      res.write(TEXT.subarray(0, 40_000), () => setTimeout(() => res.socket?.destroy(), 50));
    } else if (kind === 'hang') {
      // never answers
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  requests = [];
  rmSync(cache, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI, spawned asynchronously (the server answers from this process), with the test's environment. */
function charrnn(args: string[], mirror = `${base}/ok`): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...process.env, XDG_CACHE_HOME: cache, CHARRNN_MIRROR: mirror },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A failure: exit 1, and the last line on stderr (the only one but a 'downloading' line) is the error. */
function failure(r: Run, pattern: RegExp): string {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  const errors = lines.filter(
    (l) => !/^charrnn: \S+ is not in the cache yet: downloading|^charrnn: downloading/.test(l),
  );
  assert.equal(errors.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(errors[0], pattern);
  assert.doesNotMatch(r.stderr, /\bat .*\.(js|ts):\d+/, 'a stack trace leaked');
  return errors[0];
}

/** The files in a folder (none if it does not exist): no partial file may be left anywhere. */
const filesIn = (folder: string) => (existsSync(folder) ? readdirSync(folder) : []);

describe('charrnn download --url', () => {
  it('downloads, following a redirect, checks the SHA-256, prints the path, and leaves nothing else', async () => {
    const out = join(dir, 'got', 'text.txt');
    const r = await charrnn(['download', '--url', `${base}/moved/text.txt`, '--sha256', SHA, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${out}\n`);
    assert.deepEqual(readFileSync(out), TEXT);
    assert.deepEqual(filesIn(join(dir, 'got')), ['text.txt']);
    assert.deepEqual(requests, ['/moved/text.txt', '/ok/text.txt']);
  });

  it("removes the partial file a killed download left there (its process is gone), not a running one's", async () => {
    const folder = join(dir, 'killed');
    const out = join(folder, 'text.txt');
    mkdirSync(folder, { recursive: true });
    // a process that has ended: its pid runs no more (kill -9 leaves `<file>.<pid>.part` behind)
    const gone = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('close', () => resolve(child.pid!));
    });
    const stale = `text.txt.${gone}.part`;
    const live = `text.txt.${process.pid}.part`; // a download running now: left alone
    const other = `other.txt.${gone}.part`; // another file's
    for (const name of [stale, live, other]) writeFileSync(join(folder, name), TEXT.subarray(0, 1000));
    const r = await charrnn(['download', '--url', `${base}/ok/text.txt`, '--sha256', SHA, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(filesIn(folder).sort(), [live, other, 'text.txt'].sort());
  });

  it('a web page (text/html) is saved, as any file is, with a line saying what it is and where the raw text is', async () => {
    const out = join(dir, 'page', 'text.txt');
    const r = await charrnn(['download', '--url', `${base}/page/text.txt`, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${out}\n`);
    assert.equal(
      r.stderr.trimEnd().split('\n').at(-1),
      'charrnn: the server sent a web page (Content-Type text/html; charset=utf-8), which trains as HTML: if ' +
        "you meant the text it shows, give --url the raw file's address (on GitHub: the Raw button, raw.githubusercontent.com)",
    );
    // a text/plain file: no such line
    const plain = await charrnn([
      'download',
      '--url',
      `${base}/ok/text.txt`,
      '-o',
      join(dir, 'page', 'ok.txt'),
    ]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /web page/);
  });

  it('a wrong checksum: one line with the expected and the actual SHA-256, and the file deleted', async () => {
    const wrong = '0'.repeat(64);
    const out = join(dir, 'wrong', 'text.txt');
    const r = await charrnn(['download', '--url', `${base}/ok/text.txt`, '--sha256', wrong, '-o', out]);
    failure(
      r,
      new RegExp(
        `text\\.txt \\(${TEXT.length} bytes, text/plain\\) has the wrong SHA-256, expected ${wrong}, got ${SHA}; it was deleted`,
      ),
    );
    assert.deepEqual(filesIn(join(dir, 'wrong')), []);
  });
});

describe('charrnn download NAME (through CHARRNN_MIRROR)', () => {
  it('lists the catalog without a name', async () => {
    const r = await charrnn(['download']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tiny-shakespeare +1\.1 MB +char-rnn's/);
    assert.match(r.stderr, new RegExp(`the cache is '${cache}/charrnn'; mirror: ${base}/ok`));
  });

  it('a cache hit makes no request: download, train and eval use the cached file', async () => {
    const path = join(cache, 'charrnn', 'tiny-shakespeare.txt');
    mkdirSync(join(cache, 'charrnn'), { recursive: true });
    // a stand-in of the catalog's size (the real text is not in the repository)
    writeFileSync(path, 'abcdefghij\n'.repeat(SHAKESPEARE.bytes / 11 + 1).slice(0, SHAKESPEARE.bytes));
    const got = await charrnn(['download', 'tiny-shakespeare']);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(got.stdout, `${path}\n`);
    const trained = await charrnn([
      'train',
      'tiny-shakespeare',
      '--iters',
      '1',
      '--hidden',
      '8',
      '--save',
      'ts.ckpt',
    ]);
    assert.equal(trained.status, 0, trained.stderr);
    assert.match(trained.stdout, new RegExp(`^data has ${SHAKESPEARE.bytes} characters, 11 unique\\.`));
    const scored = await charrnn(['eval', 'ts.ckpt', 'tiny-shakespeare']);
    assert.equal(scored.status, 0, scored.stderr);
    assert.deepEqual(requests, []);
    // the list says it is there; a copy of another size (which train refuses) it names as such
    assert.match((await charrnn(['download'])).stdout, /^tiny-shakespeare .*\(downloaded\)$/m);
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, 100));
    const listed = (await charrnn(['download'])).stdout;
    writeFileSync(path, whole);
    assert.match(
      listed,
      /^tiny-shakespeare .*\(the cached copy has 100 bytes: delete it to download again\)$/m,
    );
  });

  it('a file of that name in the working folder wins over the catalog', async () => {
    writeFileSync(
      join(dir, 'tiny-shakespeare'),
      'a local file of this name, with enough text to train on.\n',
    );
    try {
      const r = await charrnn(['train', 'tiny-shakespeare', '--iters', '1', '--hidden', '8']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^data has 57 characters/);
      assert.deepEqual(requests, []);
      assert.deepEqual(filesIn(cache), []);
    } finally {
      rmSync(join(dir, 'tiny-shakespeare'));
    }
  });

  it('a wrong checksum (the mirror serves another text): one line, expected and got, nothing kept', async () => {
    const r = await charrnn(['train', 'tiny-shakespeare', '--iters', '1']);
    failure(
      r,
      new RegExp(
        `tiny-shakespeare\\.txt \\(${TEXT.length} bytes, text/plain\\) has the wrong SHA-256, expected ${SHAKESPEARE.sha256}, got ${SHA}; it was deleted`,
      ),
    );
    assert.match(
      r.stderr,
      /tiny-shakespeare is not in the cache yet: downloading it from .*\/ok\/tiny-shakespeare\.txt/,
    );
    assert.deepEqual(requests, ['/ok/tiny-shakespeare.txt']);
    assert.deepEqual(filesIn(join(cache, 'charrnn')), []);
  });

  it('a server error: one line naming the status, and how to get the file by hand', async () => {
    const r = await charrnn(['download', 'tiny-shakespeare'], `${base}/fail`);
    const line = failure(
      r,
      /cannot download .*\/fail\/tiny-shakespeare\.txt: the server answered 500 Internal Server Error/,
    );
    assert.ok(
      line.includes(`get ${SHAKESPEARE.url} by hand and put it at '${cache}/charrnn/tiny-shakespeare.txt'`),
    );
    assert.deepEqual(filesIn(join(cache, 'charrnn')), []);
  });

  it('a connection cut mid-way: one line with how far it got, and no partial file', async () => {
    const r = await charrnn(['download', 'tiny-shakespeare'], `${base}/cut`);
    failure(r, new RegExp(`broke off after 40000 of ${TEXT.length} bytes \\(.+\\); nothing was kept`));
    assert.deepEqual(filesIn(join(cache, 'charrnn')), []);
  });

  it('no network (connection refused): says where to get the file and where to put it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await charrnn(['train', 'tiny-shakespeare', '--iters', '1'], `http://127.0.0.1:${port}`);
    const line = failure(r, /cannot download .*: the connection was refused/);
    assert.ok(
      line.endsWith(`get ${SHAKESPEARE.url} by hand and put it at '${cache}/charrnn/tiny-shakespeare.txt'`),
    );
  });

  it('a server that never answers: gives up after --timeout', async () => {
    const r = await charrnn(['download', 'tiny-shakespeare', '--timeout', '0.5'], `${base}/hang`);
    failure(r, /cannot download .*\/hang\/tiny-shakespeare\.txt: the server sent nothing for 0\.5 s/);
    assert.deepEqual(filesIn(join(cache, 'charrnn')), []);
  });
});

describe('catalogText (in process, with an entry made here)', () => {
  it('downloads a missing text into the cache saying so, checks it, and then uses the cache', async () => {
    const entry: CatalogEntry = {
      name: 'test-text',
      description: 'a generated text',
      url: 'https://example.invalid/test-text.txt',
      sha256: SHA,
      bytes: TEXT.length,
    };
    const env = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, CHARRNN_MIRROR: process.env.CHARRNN_MIRROR };
    process.env.XDG_CACHE_HOME = cache;
    process.env.CHARRNN_MIRROR = `${base}/ok`;
    try {
      const said: string[] = [];
      const path = await catalogText(entry, (line) => said.push(line));
      assert.equal(path, join(cache, 'charrnn', 'test-text.txt'));
      assert.deepEqual(readFileSync(path), TEXT);
      assert.deepEqual(requests, ['/ok/test-text.txt']);
      assert.match(said[0], /test-text is not in the cache yet: downloading it from .*\/ok\/test-text\.txt/);
      assert.match(said[1], /downloaded test-text \(SHA-256 checked\)/);
      assert.equal(await catalogText(entry, (line) => said.push(line)), path);
      assert.equal(requests.length, 1, 'the second time: from the cache');
      assert.equal(said.length, 2);
      assert.deepEqual(filesIn(join(cache, 'charrnn')), ['test-text.txt']);
    } finally {
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

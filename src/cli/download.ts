// `charrnn download [NAME]`: lists the catalog (data/catalog.ts), or fetches a text of it into the cache
// ($XDG_CACHE_HOME/charrnn/<name>.txt), or any text with --url (and --sha256) into -o FILE. Every catalog
// file comes from CHARRNN_MIRROR/<name>.txt when that is set. `catalogText` is the same fetch for a name
// given where a text file is expected (train, eval): the cached file, downloaded first if it is missing.
// The downloaded file's path goes to stdout; status lines and, on a terminal, a progress bar go to stderr.
import { existsSync, statSync } from 'node:fs';
import { CATALOG, type CatalogEntry, catalogUrl, findText } from '../data/catalog.js';
import { CharrnnError } from '../errors.js';
import { cacheDir, cachedPath, type Downloaded, downloadFile } from '../node/download.js';
import { writeStdout } from './output.js';
import { type StderrLine, stderrLine } from './progress.js';

export interface DownloadCliOptions {
  url?: string;
  sha256?: string;
  output?: string;
  timeout?: number;
}

export async function runDownload(name: string | undefined, o: DownloadCliOptions): Promise<void> {
  const say = (line: string) => process.stderr.write(`charrnn: ${line}\n`);
  if (o.url !== undefined) {
    if (name !== undefined) throw usage(`give a NAME or --url, not both (got '${name}' and --url)`);
    if (o.output === undefined) throw usage('--url needs -o FILE: where to write the text');
    checkUrl(o.url);
    if (o.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(o.sha256)) {
      throw usage(`--sha256 '${o.sha256}' is not a SHA-256: 64 hexadecimal digits`);
    }
    say(`downloading ${o.url}`);
    const got = await fetchWithProgress(o.url, o.output, o.url, o);
    say(
      `saved ${got.bytes} bytes to '${got.path}'; SHA-256 ${got.sha256}` +
        (o.sha256 !== undefined ? ' (as expected)' : ' (not checked: give --sha256 to check it)'),
    );
    if (/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(got.contentType ?? '')) {
      // a page about the file (GitHub's blob view, a login or error page) rather than the file itself
      say(
        `the server sent a web page (Content-Type ${got.contentType}), which trains as HTML: if you meant ` +
          "the text it shows, give --url the raw file's address (on GitHub: the Raw button, raw.githubusercontent.com)",
      );
    }
    await writeStdout(`${got.path}\n`);
    return;
  }
  if (o.sha256 !== undefined) throw usage('--sha256 goes with --url (a catalog text has its own)');
  if (name === undefined) {
    if (o.output !== undefined) throw usage('-o needs a NAME or --url');
    await listCatalog();
    return;
  }
  const entry = findText(name);
  if (!entry) {
    throw usage(
      `'${name}' is not in the catalog (${CATALOG.map((e) => e.name).join(', ')})`,
      'charrnn download lists it; --url URL -o FILE downloads any text',
    );
  }
  if (o.output !== undefined) {
    say(`downloading ${entry.name} from ${source(entry)}`);
    await fetchWithProgress(source(entry), o.output, entry.url, { ...o, sha256: entry.sha256 });
    say(`saved ${entry.name} to '${o.output}' (SHA-256 checked)`);
    await writeStdout(`${o.output}\n`);
    return;
  }
  if (existsSync(cachedPath(entry))) say(`${entry.name} is in the cache already`);
  await writeStdout(`${await catalogText(entry, say, o.timeout)}\n`);
}

/**
 * The cached file of a catalog text, downloaded (and checked) first when it is not there yet, saying so.
 * A cached file of another size than the catalog's is refused (it may be a partial copy put there by hand).
 */
export async function catalogText(
  entry: CatalogEntry,
  say: (line: string) => void,
  timeoutSeconds?: number,
): Promise<string> {
  const path = cachedPath(entry);
  if (existsSync(path)) {
    const size = statSync(path).size;
    if (size !== entry.bytes) {
      throw new CharrnnError(
        `'${path}' has ${size} bytes, but ${entry.name} has ${entry.bytes}`,
        'delete it, and charrnn downloads it again',
      );
    }
    return path;
  }
  say(`${entry.name} is not in the cache yet: downloading it from ${source(entry)} to '${path}'`);
  await fetchWithProgress(source(entry), path, entry.url, {
    sha256: entry.sha256,
    ...(timeoutSeconds !== undefined && { timeout: timeoutSeconds }),
  });
  say(`downloaded ${entry.name} (SHA-256 checked)`);
  return path;
}

/** Where a catalog text is fetched from: CHARRNN_MIRROR/<name>.txt, else its own address. */
function source(entry: CatalogEntry): string {
  return catalogUrl(entry, process.env.CHARRNN_MIRROR || undefined);
}

/** What the catalog's list says of a text's cached copy: nothing, downloaded, or of the wrong size. */
function cachedState(e: CatalogEntry): string {
  const path = cachedPath(e);
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  return size === e.bytes
    ? '  (downloaded)'
    : `  (the cached copy has ${size} bytes: delete it to download again)`;
}

async function listCatalog(): Promise<void> {
  const width = Math.max(...CATALOG.map((e) => e.name.length));
  for (const e of CATALOG) {
    const cached = cachedState(e);
    await writeStdout(
      `${e.name.padEnd(width)}  ${formatBytes(e.bytes).padStart(8)}  ${e.description}${cached}\n`,
    );
  }
  const mirror = process.env.CHARRNN_MIRROR ? `; mirror: ${process.env.CHARRNN_MIRROR}` : '';
  process.stderr.write(`charrnn: the cache is '${cacheDir()}'${mirror}; charrnn download NAME fetches one\n`);
}

/** downloadFile with a progress bar on a terminal, and Ctrl-C deleting the partial file. */
async function fetchWithProgress(
  url: string,
  path: string,
  publishedAt: string,
  o: { sha256?: string; timeout?: number },
): Promise<Downloaded> {
  const bar = process.stderr.isTTY ? await DownloadBar.create() : undefined;
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await downloadFile(url, path, {
      ...(o.sha256 !== undefined && { sha256: o.sha256 }),
      ...(o.timeout !== undefined && { timeoutSeconds: o.timeout }),
      signal: controller.signal,
      onProgress: (received, total) => bar?.update(received, total),
      byHand: { url: publishedAt, path },
    });
  } catch (e) {
    if (controller.signal.aborted) {
      bar?.done();
      process.stderr.write(`charrnn: interrupted: the download of ${url} was stopped; nothing was kept\n`);
      process.exit(130);
    }
    throw e;
  } finally {
    bar?.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw usage(`--url '${url}' is not a URL`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw usage(`--url '${url}': only http and https`);
}

function usage(message: string, hint = 'see charrnn download --help'): CharrnnError {
  return new CharrnnError(message, hint, 'usage');
}

/** The download's bar on stderr: `[#####-----]  48%  512.0 kB of 1.1 MB`, at most 10 times a second. */
class DownloadBar {
  private last = 0;

  private constructor(private readonly render: StderrLine) {}

  static async create(): Promise<DownloadBar> {
    return new DownloadBar(await stderrLine());
  }

  update(received: number, total: number | undefined): void {
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    if (total === undefined || total === 0) {
      this.render(`downloading  ${formatBytes(received)}`);
      return;
    }
    const f = Math.min(1, received / total);
    const filled = Math.round(f * 24);
    this.render(
      `[${'#'.repeat(filled)}${'-'.repeat(24 - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  ` +
        `${formatBytes(received)} of ${formatBytes(total)}`,
    );
  }

  done(): void {
    this.render.clear();
    this.render.done();
  }
}

function formatBytes(n: number): string {
  return n >= 1e9
    ? `${(n / 1e9).toFixed(1)} GB`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)} MB`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)} kB`
        : `${n} B`;
}

// The catalog's texts in the page (src/data/catalog.ts: tiny-shakespeare): downloaded from where the catalog
// says, or from a mirror given as ?mirror=URL (catalogUrl: `<mirror>/<name>.txt`), with progress; checked
// against a SHA-256 with SubtleCrypto; and kept in the browser's Cache Storage ('charrnn-texts'), so that a
// reload reads the text from there instead of downloading it again. Only bytes whose checksum matched are
// kept; the cached copy is hashed again when it is read.
//
// The expected checksum is the catalog's. One exception, for tests and local development: a mirror on this
// machine (a loopback host: 127.0.0.1, localhost, [::1]) may serve `<file>.sha256` beside the text (the
// checksum, as sha256sum prints it), and the page then checks the text against that. A local mirror can so
// serve a stand-in text: the end-to-end test serves a generated one, since tiny-shakespeare itself is never
// committed. A mirror anywhere else must serve the published bytes: its checksum file is never asked for,
// so a link with ?mirror= cannot pass another text off as tiny-shakespeare.
import { type CatalogEntry, catalogUrl } from '../src/data/catalog.js';
import { CharrnnError } from '../src/errors.js';

/** the Cache Storage cache the page keeps downloaded texts in */
export const TEXT_CACHE = 'charrnn-texts';
/** the header a cached text carries: the SHA-256 it was checked against */
const SUM_HEADER = 'X-Charrnn-Sha256';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** a download that receives nothing for this long is given up (milliseconds) */
const STALL_MS = 30_000;

/** Bytes received of a download, and its size (from Content-Length, else the catalog's). */
export interface Progress {
  received: number;
  total: number;
}

/** A catalog text, checked; `kept`: it is in Cache Storage (false: the browser would not keep it). */
export interface FetchedText {
  bytes: Uint8Array;
  fromCache: boolean;
  kept: boolean;
}

/** The page's ?mirror= parameter (undefined: none); a value that is not an http(s) URL is an error. */
export function pageMirror(search = location.search): string | undefined {
  const mirror = new URLSearchParams(search).get('mirror');
  if (mirror === null || mirror === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {
    // named below
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new CharrnnError(
      `?mirror= must be an http or https URL, got '${mirror}'`,
      'fix the address, or remove the parameter to download from the catalog',
      'usage',
    );
  }
  return mirror;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  if (!globalThis.crypto?.subtle) {
    throw new CharrnnError(
      "this page cannot check a download's SHA-256: SubtleCrypto needs a secure context",
      'open the page over https or from localhost, or choose a file',
    );
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Cache Storage exists only in secure contexts; without it, texts are downloaded every time. */
async function textCache(): Promise<Cache | undefined> {
  if (typeof caches === 'undefined') return undefined;
  try {
    return await caches.open(TEXT_CACHE);
  } catch (e) {
    console.warn('charrnn: Cache Storage unavailable; texts will not be kept', e);
    return undefined;
  }
}

function networkError(entry: CatalogEntry, url: string, e: unknown): CharrnnError {
  const why = e instanceof Error ? e.message : String(e);
  return new CharrnnError(
    `could not download ${entry.name} from ${url} (${why})`,
    'check the network connection and press Start to try again, or choose a file',
  );
}

/**
 * Fetches a file without the browser's HTTP cache: a copy the checksum refused must not come back from
 * there. A network failure or an HTTP error status is a one-line error.
 */
async function get(entry: CatalogEntry, url: string, signal: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store', signal });
  } catch (e) {
    throw networkError(entry, url, e);
  }
  if (!res.ok) {
    throw new CharrnnError(
      `could not download ${entry.name}: ${url} answered ${res.status} ${res.statusText}`.trimEnd(),
      'press Start to try again later, or choose a file',
    );
  }
  return res;
}

/** The checksum to check `url` against: the catalog's, or a loopback mirror's own (see the header). */
async function expectedSum(entry: CatalogEntry, url: string, mirror: string | undefined): Promise<string> {
  if (!mirror || !LOOPBACK.has(new URL(mirror).hostname)) return entry.sha256;
  let res: Response;
  try {
    res = await fetch(`${url}.sha256`, { cache: 'no-store' });
  } catch (e) {
    throw networkError(entry, `${url}.sha256`, e);
  }
  if (res.status === 404) return entry.sha256; // a local copy of the published file
  const sum = res.ok ? (await res.text()).trim().split(/\s+/)[0]!.toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(sum)) {
    throw new CharrnnError(
      `the mirror's ${url}.sha256 is not a SHA-256 (HTTP ${res.status})`,
      'serve the hex checksum there, or no such file',
    );
  }
  return sum;
}

/** The response's bytes, reporting progress as they arrive. */
async function readAll(
  entry: CatalogEntry,
  url: string,
  res: Response,
  progress: (p: Progress) => void,
): Promise<Uint8Array> {
  const total = Number(res.headers.get('Content-Length')) || entry.bytes;
  const chunks: Uint8Array[] = [];
  let received = 0;
  progress({ received, total });
  try {
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      received += r.value.length;
      progress({ received, total });
    }
  } catch (e) {
    throw networkError(entry, url, e);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/**
 * The text's bytes from `url`, with progress; given up with a one-line error when nothing arrives for
 * STALL_MS (a connection that stalls would otherwise keep Start waiting for ever).
 */
async function download(
  entry: CatalogEntry,
  url: string,
  progress: (p: Progress) => void,
): Promise<Uint8Array> {
  const controller = new AbortController();
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, STALL_MS);
  };
  alive();
  try {
    const res = await get(entry, url, controller.signal);
    alive();
    return await readAll(entry, url, res, (p) => {
      alive();
      progress(p);
    });
  } catch (e) {
    if (!stalled) throw e;
    throw new CharrnnError(
      `could not download ${entry.name} from ${url}: nothing came for ${STALL_MS / 1000} s`,
      'check the network connection and press Start to try again, or choose a file',
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A catalog text: from Cache Storage when it holds a copy that still has its checksum, else downloaded
 * (from the mirror, if given), checked, and kept. A checksum that does not match is a one-line error, and
 * nothing is kept.
 */
export async function fetchCatalogText(
  entry: CatalogEntry,
  mirror: string | undefined,
  progress: (p: Progress) => void,
): Promise<FetchedText> {
  const url = catalogUrl(entry, mirror);
  const cache = await textCache();
  const hit = await cache?.match(url);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if ((await sha256(bytes)) === hit.headers.get(SUM_HEADER)) return { bytes, fromCache: true, kept: true };
    await cache!.delete(url); // damaged in the cache: download it again
  }
  const bytes = await download(entry, url, progress);
  const [actual, expected] = await Promise.all([sha256(bytes), expectedSum(entry, url, mirror)]);
  if (actual !== expected) {
    throw new CharrnnError(
      `${entry.name} from ${url} has SHA-256 ${actual}, not ${expected}: it is damaged or not the published file, and was not kept`,
      'press Start to download it again, or choose a mirror that serves the published file',
    );
  }
  let kept = false;
  if (cache) {
    const headers = { 'Content-Type': 'text/plain; charset=utf-8', [SUM_HEADER]: actual };
    try {
      await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
      kept = true;
    } catch (e) {
      console.warn(`charrnn: ${entry.name} could not be kept in Cache Storage`, e); // e.g. a full quota
    }
  }
  return { bytes, fromCache: false, kept };
}

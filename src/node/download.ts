// Downloading a text over HTTP(S) into a file: the body is streamed into a temporary file beside it while
// its SHA-256 is computed, checked, and only then renamed into place. Whatever goes wrong (no network, an
// error from the server, a connection cut mid-way, a wrong checksum, an interruption) leaves no partial
// file and becomes one line that says what happened and how to get the file by hand. The catalog's texts
// (data/catalog.ts) are kept in a cache folder: $XDG_CACHE_HOME/charrnn, else ~/.cache/charrnn.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { CatalogEntry } from '../data/catalog.js';
import { CharrnnError, shown } from '../errors.js';
import { notAFile, removeStaleTemporaries } from './io.js';

/** Seconds without a byte from the server (to connect, to answer, between chunks) before giving up. */
export const DEFAULT_TIMEOUT_SECONDS = 30;

/** The cache folder: $XDG_CACHE_HOME/charrnn (if it is an absolute path, as XDG asks), else ~/.cache/charrnn. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'charrnn');
}

/** Where a catalog text is cached: `<cache>/<name>.txt`. */
export function cachedPath(entry: CatalogEntry, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `${entry.name}.txt`);
}

export interface DownloadOptions {
  /** the hex SHA-256 the bytes must have (unchecked when absent) */
  sha256?: string;
  /** seconds without a byte from the server before giving up (default DEFAULT_TIMEOUT_SECONDS) */
  timeoutSeconds?: number;
  /** stops the download (Ctrl-C); nothing is kept */
  signal?: AbortSignal;
  /** called as bytes arrive; `total` when the server says how many */
  onProgress?: (received: number, total: number | undefined) => void;
  /** for the message when it fails: where the file is published, and where to put it by hand */
  byHand?: { url: string; path: string };
}

export interface Downloaded {
  path: string;
  bytes: number;
  /** the hex SHA-256 of the bytes */
  sha256: string;
  /** the server's Content-Type, when it sent one (`text/html; charset=utf-8`) */
  contentType?: string;
}

/** Downloads `url` (following redirects) to `path`, atomically: all of it, checked, or nothing. */
export async function downloadFile(url: string, path: string, o: DownloadOptions = {}): Promise<Downloaded> {
  const seconds = o.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const byHand = o.byHand ?? { url, path };
  const handHint = `get ${byHand.url} by hand and put it at '${byHand.path}'`;
  const part = `${path}.${process.pid}.part`;
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, seconds * 1000);
  };
  const interrupt = () => controller.abort();
  o.signal?.addEventListener('abort', interrupt);
  const why = (e: unknown) =>
    o.signal?.aborted
      ? 'interrupted'
      : timedOut
        ? `the server sent nothing for ${seconds} s`
        : networkReason(e);
  let fd: number | undefined;
  let received = 0;
  let total: number | undefined;
  try {
    if (path === '')
      throw new CharrnnError('the download needs a path to write', 'give -o a file name', 'usage');
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new CharrnnError(`cannot write '${path}': ${networkReason(e)}`, 'choose another place');
    }
    const not = notAFile(path);
    if (not) {
      // found now, not after the whole download, when the rename would fail (or replace a device)
      throw new CharrnnError(`cannot write '${path}': ${not}`, 'give -o the path of a file', 'usage');
    }
    // the partial files of downloads to this path that were killed (kill -9, a crash): never read, so removed
    removeStaleTemporaries(dirname(path), [basename(path)], 'part');
    arm();
    let res: Response;
    try {
      // identity: the bytes on the wire are the file's, so Content-Length counts them
      res = await fetch(url, { signal: controller.signal, headers: { 'accept-encoding': 'identity' } });
    } catch (e) {
      throw new CharrnnError(`cannot download ${url}: ${why(e)}`, handHint);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new CharrnnError(
        `cannot download ${url}: the server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
        handHint,
      );
    }
    const contentType = res.headers.get('content-type');
    const length = res.headers.get('content-length');
    if (length !== null && /^\d+$/.test(length)) total = Number(length);
    try {
      fd = openSync(part, 'w');
    } catch (e) {
      throw new CharrnnError(`cannot write '${path}': ${networkReason(e)}`, 'choose another place');
    }
    const hash = createHash('sha256');
    const reader = res.body.getReader();
    try {
      for (;;) {
        arm();
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        for (let at = 0; at < value.length; ) at += writeSync(fd, value, at, value.length - at);
        received += value.length;
        o.onProgress?.(received, total);
      }
    } catch (e) {
      throw brokeOff(url, received, total, why(e), handHint);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    const sha256 = hash.digest('hex');
    if (o.sha256 !== undefined && sha256 !== o.sha256.toLowerCase()) {
      // what came, so that an error page or an empty answer is told from a changed file at a glance
      const sent = `${received} ${received === 1 ? 'byte' : 'bytes'}${contentType ? `, ${shown(contentType)}` : ''}`;
      throw new CharrnnError(
        `the download of ${url} (${sent}) has the wrong SHA-256, expected ${o.sha256.toLowerCase()}, got ${sha256}; it was deleted`,
        `the server has another file there: check the address, or ${handHint}`,
      );
    }
    try {
      renameSync(part, path);
    } catch (e) {
      throw new CharrnnError(`cannot write '${path}': ${networkReason(e)}`, 'choose another place');
    }
    return { path, bytes: received, sha256, ...(contentType !== null && { contentType }) };
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(part);
    } catch {
      // not created yet
    }
    throw e instanceof CharrnnError ? e : new CharrnnError(`cannot download ${url}: ${why(e)}`, handHint);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', interrupt);
  }
}

function brokeOff(
  url: string,
  received: number,
  total: number | undefined,
  why: string,
  handHint: string,
): CharrnnError {
  const of = total === undefined ? '' : ` of ${total}`;
  return new CharrnnError(
    `the download of ${url} broke off after ${received}${of} bytes (${why}); nothing was kept`,
    `try again, or ${handHint}`,
  );
}

/** Why a request (or a file operation) failed, in words: the error code on the error or on its causes. */
function networkReason(e: unknown): string {
  const words: Record<string, string> = {
    ECONNREFUSED: 'the connection was refused (no server there, or no network)',
    ENOTFOUND: 'the host was not found (no network, or no DNS)',
    EAI_AGAIN: 'the host could not be looked up (no network, or no DNS)',
    ETIMEDOUT: 'the connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
    ENETUNREACH: 'the network is unreachable',
    EHOSTUNREACH: 'the host is unreachable',
    ECONNRESET: 'the connection was reset',
    UND_ERR_SOCKET: 'the connection closed early',
    EACCES: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is not a folder',
  };
  for (let cause = e as { code?: string; message?: string; cause?: unknown } | undefined; cause; ) {
    if (cause.code && words[cause.code]) return words[cause.code];
    if (!cause.cause) return cause.code ?? cause.message ?? String(cause);
    cause = cause.cause as typeof cause;
  }
  return String(e);
}

// File I/O for the CLI: corpora read in chunks straight into the streaming encoder (never one big
// string), checkpoints read whole and written atomically (temporary file, fsync, rename), so an
// interrupted save never destroys the previous checkpoint.
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CharrnnError } from '../errors.js';
import { type Corpus, CorpusEncoder, encodeCorpus } from '../text.js';

const CHUNK = 16 * 1024 * 1024;

/** The corpus shipped inside the package: this project's own README and sources (see scripts/builtin-corpus.mjs). */
export const BUILTIN_CORPUS = fileURLToPath(new URL('../builtin-corpus.txt', import.meta.url));

function openForReading(path: string, what: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw fileError(e, path, what);
  }
  if (st.isDirectory()) throw new CharrnnError(`${what} '${path}' is a directory`, 'give the path of a file');
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw fileError(e, path, what);
  }
}

function fileError(e: unknown, path: string, what: string): CharrnnError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CharrnnError(`${what} '${path}' does not exist`, 'check the path');
  if (code === 'EACCES')
    return new CharrnnError(`${what} '${path}' cannot be read: permission denied`, 'check its permissions');
  return new CharrnnError(`${what} '${path}' cannot be read: ${(e as Error).message}`, 'check the path');
}

/** Reads a UTF-8 text file into a corpus in one streaming pass. */
export function readCorpus(path: string): Corpus {
  const fd = openForReading(path, 'the text file');
  try {
    const size = fstatSync(fd).size;
    if (size === 0)
      throw new CharrnnError(`the text file '${path}' is empty`, 'give a file with some text in it');
    const encoder = new CorpusEncoder(size);
    const buffer = new Uint8Array(Math.min(CHUNK, size));
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      encoder.write(buffer.subarray(0, n));
    }
    return encoder.finish();
  } catch (e) {
    if (e instanceof CharrnnError) throw new CharrnnError(`${path}: ${e.message}`, e.hint, e.kind);
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole file (a checkpoint). */
export function readBytes(path: string, what: string): Uint8Array {
  const fd = openForReading(path, what);
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, null);
      if (n === 0) break;
      at += n;
    }
    return out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** Reads a small UTF-8 text file (a prime) as a string; invalid UTF-8 is an error naming the byte offset. */
export function readText(path: string, what: string): string {
  const bytes = readBytes(path, what);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    encodeCorpus(bytes); // names the offset of the first invalid byte
    throw new CharrnnError(`${what} '${path}' is not valid UTF-8`, 'convert it to UTF-8');
  }
}

/** Writes `bytes` to `path` atomically: a temporary file beside it, flushed, then renamed over it. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    const code = (e as NodeJS.ErrnoException).code;
    throw new CharrnnError(
      `cannot write the checkpoint '${path}': ${code ?? (e as Error).message}`,
      'check that its folder exists and is writable; the previous file, if any, is untouched',
    );
  }
}

// File I/O in Node: corpora read in chunks straight into the streaming encoder (never one big string),
// checkpoints read whole and written atomically (temporary file, fsync, rename), so an interrupted save
// never destroys the previous checkpoint.
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type Corpus, CorpusEncoder, encodeCorpus } from '../data/text.js';
import { CharrnnError } from '../errors.js';

const CHUNK = 16 * 1024 * 1024;

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

/** Writes `bytes` to `path` atomically: a temporary file beside it, flushed, renamed over it, the folder flushed. */
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
    throw new CharrnnError(
      `cannot write the checkpoint '${path}': ${reason(e)}`,
      'the previous file, if any, is untouched',
    );
  }
  syncFolder(dirname(path));
}

/** Flushes a folder's entries (the rename) to disk, where the system allows it. */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every system can open a folder for fsync; the rename itself is still atomic
  }
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOENT: 'its folder does not exist',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'it is a folder',
    EROFS: 'the file system is read-only',
    EDQUOT: 'the disk quota is exhausted',
  };
  return err?.code ? (words[err.code] ?? err.code) : String(err?.message ?? e);
}

/**
 * Makes sure a checkpoint can be saved at `path` before a run starts: creates its folder if missing, and
 * writes and removes a temporary file there. Throws one line naming the path and the reason.
 */
export function prepareSavePath(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CharrnnError(
      `cannot save to '${path}': its folder cannot be created (${reason(e)})`,
      'choose another --save path',
      'usage',
    );
  }
  try {
    if (statSync(path).isDirectory()) {
      throw new CharrnnError(`cannot save to '${path}': it is a folder`, 'give the path of a file', 'usage');
    }
  } catch (e) {
    if (e instanceof CharrnnError) throw e;
    // it does not exist yet: fine
  }
  const probe = join(dir, `.charrnn-write-test.${process.pid}.tmp`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new CharrnnError(`cannot save to '${path}': ${reason(e)}`, 'choose another --save path', 'usage');
  }
}

/**
 * Writes a checkpoint; when that fails, writes it to a rescue file instead (in the working folder, else the
 * system's temporary folder) and throws one line naming both paths. The previous file at `path` stays.
 */
export function saveOrRescue(path: string, bytes: Uint8Array): void {
  let failure: CharrnnError;
  try {
    writeFileAtomic(path, bytes);
    return;
  } catch (e) {
    failure = e as CharrnnError;
  }
  const name = `charrnn-rescue-${process.pid}-${basename(path)}`;
  const tried: string[] = [];
  for (const dir of [process.cwd(), tmpdir()]) {
    const rescue = join(dir, name);
    try {
      writeFileAtomic(rescue, bytes);
    } catch {
      tried.push(`'${rescue}'`);
      continue;
    }
    throw new CharrnnError(
      `${failure.message}; the training state is saved in '${rescue}' instead`,
      `resume from it with --resume ${rescue}`,
    );
  }
  throw new CharrnnError(
    `${failure.message}; the training state could not be saved anywhere (also tried ${tried.join(', ')})`,
    'free some space or fix the permissions; the previous checkpoint is untouched',
  );
}

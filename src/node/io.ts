// File I/O in Node: corpora read in chunks straight into the streaming encoder (never one big string),
// several texts (files, folders of files, standard input) joined into one corpus, checkpoints read whole and
// written atomically (temporary file, fsync, rename), so an interrupted save never destroys the previous
// checkpoint. A process killed during a save leaves its temporary file (`x.ckpt.<pid>.tmp`, never read);
// the next run that saves there removes those of processes that are gone.
import { isAscii, isUtf8 } from 'node:buffer';
import {
  appendFileSync,
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { type Corpus, CorpusEncoder, encodeCorpus, MAX_TEXT_BYTES, textTooLong } from '../data/text.js';
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
  if (code === 'EACCES' || code === 'EPERM')
    return new CharrnnError(`${what} '${path}' cannot be read: permission denied`, 'check its permissions');
  // in words, not Node's `ELOOP: too many symbolic links encountered, stat 'x'`
  const words: Record<string, string> = {
    ELOOP: 'its symbolic links form a loop',
    ENOTDIR: 'a part of its path is not a folder',
    ENAMETOOLONG: 'its name is too long',
    EIO: 'an input/output error (a failing disk or a lost network share)',
  };
  const why = (code && words[code]) ?? (e as Error).message;
  return new CharrnnError(`${what} '${path}' cannot be read: ${why}`, 'check the path');
}

/**
 * What a file holds is known only at its end: a pipe (`<(zcat a.gz)`, a FIFO) or a socket, and a file that
 * says it is empty, as the kernel's (`/proc/cpuinfo`) do, although reading them gives text (stat says 0 bytes).
 */
function sizeUnknown(st: Stats): boolean {
  return st.isFIFO() || st.isSocket() || (st.isFile() && st.size === 0);
}

/**
 * Everything a pipe gives until its end, read in chunks: its size is not known before. At most `limit` bytes.
 */
function readToEnd(fd: number, tooLong: () => CharrnnError, limit = MAX_TEXT_BYTES): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(Math.min(CHUNK, 1 << 20));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > limit) throw tooLong();
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

/** Reads a UTF-8 text file into a corpus in one streaming pass. */
export function readCorpus(path: string): Corpus {
  const fd = openForReading(path, 'the text file');
  try {
    const st = fstatSync(fd);
    if (sizeUnknown(st)) {
      const bytes = readToEnd(fd, () => textTooLong('the text'));
      if (bytes.length === 0) {
        throw new CharrnnError(`the text file '${path}' is empty`, 'give a file with some text in it');
      }
      return encodeCorpus(bytes);
    }
    const size = st.size;
    if (size === 0)
      throw new CharrnnError(`the text file '${path}' is empty`, 'give a file with some text in it');
    const encoder = new CorpusEncoder(size);
    const buffer = new Uint8Array(Math.min(CHUNK, size));
    // the file as it was when opened: one still being written (a log) grows past its size meanwhile
    for (let left = size; left > 0; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, left), null);
      if (n === 0) break;
      encoder.write(buffer.subarray(0, n));
      left -= n;
    }
    return encoder.finish();
  } catch (e) {
    if (e instanceof CharrnnError) throw new CharrnnError(`${path}: ${e.message}`, e.hint, e.kind);
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** Between two documents of a corpus: U+001E, ASCII's RECORD SEPARATOR (one byte in UTF-8). */
export const DOCUMENT_SEPARATOR = 0x1e;

/** One input: a file or a folder (read recursively) by its path, or bytes already read (standard input). */
export type TextInput =
  | { readonly name: string; readonly path: string }
  | { readonly name: string; readonly bytes: Uint8Array };

export interface ReadTextsOptions {
  /** join the documents of each part with DOCUMENT_SEPARATOR (default true); false: back to back */
  separator?: boolean;
  /** told one line for every file inside a folder left out because it is not valid UTF-8 */
  onSkip?: (line: string) => void;
  /** bytes read at a time (default 16 MiB) */
  chunkBytes?: number;
}

export interface TextsRead {
  /** every part's documents, in order, in one vocabulary */
  corpus: Corpus;
  /** where each part's ids start in corpus.ids (the first at 0); part k is ids[starts[k], starts[k+1]) */
  starts: number[];
  /** the documents of each part */
  documents: number[];
  /** files inside folders left out because they are not valid UTF-8 */
  skipped: number;
  /** the paths of the files read (not standard input's), in order */
  files: string[];
  /** the same, for each part */
  partFiles: string[][];
  /**
   * the documents with NUL characters (valid UTF-8, but the mark of UTF-16 without a byte-order mark, or of
   * a binary file), in order, with the UTF-16 byte order their first two bytes suggest (ASCII in UTF-16 LE
   * is the byte, then 0; in BE, 0 first), if they suggest one
   */
  withNul: { name: string; utf16?: 'UTF-16LE' | 'UTF-16BE' }[];
}

/** A document: a file or standard input's bytes; `listed`: found in a folder (skipped, not refused, if bad). */
interface Doc {
  name: string;
  path?: string;
  bytes?: Uint8Array;
  size: number;
  listed: boolean;
  /** its characters, counted while it is checked */
  characters: number;
  /** whether it holds a NUL character (found while it is checked) */
  nul?: boolean;
  /** its first two bytes (found while it is checked) */
  head?: number[];
}

/**
 * Reads parts (e.g. the training texts, then the validation texts), each a list of inputs, into one corpus
 * with one vocabulary, and says where each part starts. A folder stands for its files, read recursively in
 * sorted order (names starting with a dot are left out). Within a part, documents are joined with
 * DOCUMENT_SEPARATOR; parts are not. Memory: one id per character in one typed array, as readCorpus; each
 * file is read twice in chunks, first to check it is valid UTF-8 (and count its characters) before any of its
 * bytes reach the shared encoder, then to encode it. A file named directly that is empty or not valid UTF-8
 * is an error; one found in a folder is left out (told to `onSkip` when it is not UTF-8).
 */
export function readTexts(
  parts: readonly (readonly TextInput[])[],
  options: ReadTextsOptions = {},
): TextsRead {
  const separator = options.separator ?? true;
  const listed = parts.map((inputs) => inputs.flatMap(documentsOf));
  // before reading: the files named on their own (a folder's files that are not UTF-8 are skipped later)
  const named = listed.flat().reduce((n, d) => n + (d.listed ? 0 : d.size), 0);
  const what = listed.flat().length > 1 ? 'the texts' : 'the text';
  if (named > MAX_TEXT_BYTES) throw textTooLong(what, named);
  const buffer = new Uint8Array(
    Math.min(
      options.chunkBytes ?? CHUNK,
      listed.flat().reduce((m, d) => Math.max(m, d.size), 1),
    ),
  );
  let skipped = 0;
  const docsOf = listed.map((candidates, part) => {
    const docs = candidates.filter((doc) => {
      const bad = checkUtf8(doc, buffer);
      if (!bad) return true;
      if (!doc.listed) throw new CharrnnError(`${doc.name}: ${bad.message}`, bad.hint, bad.kind);
      skipped++;
      options.onSkip?.(`skipped '${doc.name}': ${bad.message.replace(/^the text is /, '')}`);
      return false;
    });
    if (docs.length === 0) throw noText(parts[part]);
    return docs;
  });
  const separators = separator ? docsOf.reduce((n, docs) => n + docs.length - 1, 0) : 0;
  const bytes = docsOf.flat().reduce((n, d) => n + d.size, separators);
  if (bytes > MAX_TEXT_BYTES) throw textTooLong(what, bytes);
  const encoder = new CorpusEncoder(bytes);
  const starts: number[] = [];
  let characters = 0;
  for (const docs of docsOf) {
    starts.push(characters);
    docs.forEach((doc, k) => {
      if (k > 0 && separator) {
        encoder.write(Uint8Array.of(DOCUMENT_SEPARATOR));
        characters++;
      }
      try {
        forEachChunk(doc, buffer, (chunk) => encoder.write(chunk));
      } catch (e) {
        throw e instanceof CharrnnError ? changed(doc, e.message) : e;
      }
      characters += doc.characters;
    });
  }
  const corpus = encoder.finish();
  if (corpus.ids.length !== characters) {
    throw new CharrnnError('the texts changed while they were read', 'try again');
  }
  return {
    corpus,
    starts,
    documents: docsOf.map((docs) => docs.length),
    skipped,
    files: docsOf.flat().flatMap((d) => (d.path === undefined ? [] : [d.path])),
    partFiles: docsOf.map((docs) => docs.flatMap((d) => (d.path === undefined ? [] : [d.path]))),
    withNul: docsOf.flat().flatMap((d) => (d.nul ? [{ name: d.name, ...utf16Order(d.head ?? []) }] : [])),
  };
}

/** The documents an input stands for: itself, or a folder's files in sorted order, recursively. */
function documentsOf(input: TextInput): Doc[] {
  if ('bytes' in input) {
    if (input.bytes.length === 0) throw new CharrnnError(`${input.name} is empty`, 'give it some text');
    return [{ name: input.name, bytes: input.bytes, size: input.bytes.length, listed: false, characters: 0 }];
  }
  const what = 'the text file';
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(input.path);
  } catch (e) {
    throw fileError(e, input.path, what);
  }
  if (sizeUnknown(st)) {
    // a pipe (`<(zcat a.gz)`), a FIFO or a kernel file: read whole now, as standard input is
    const fd = openForReading(input.path, what);
    let bytes: Uint8Array;
    try {
      bytes = readToEnd(fd, () => textTooLong(`'${input.path}'`));
    } finally {
      closeSync(fd);
    }
    if (bytes.length === 0) {
      throw new CharrnnError(`${what} '${input.path}' is empty`, 'give a file with some text in it');
    }
    return [{ name: input.path, bytes, size: bytes.length, listed: false, characters: 0 }];
  }
  if (!st.isDirectory()) {
    if (st.size === 0) {
      throw new CharrnnError(`${what} '${input.path}' is empty`, 'give a file with some text in it');
    }
    return [{ name: input.path, path: input.path, size: st.size, listed: false, characters: 0 }];
  }
  const docs: Doc[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    let names: string[];
    try {
      const real = realpathSync(dir);
      if (seen.has(real)) return; // a link back up the tree
      seen.add(real);
      names = readdirSync(dir);
    } catch (e) {
      throw fileError(e, dir, 'the folder');
    }
    for (const name of names.filter((n) => !n.startsWith('.')).sort(byCodeUnits)) {
      const path = join(dir, name);
      let entry: ReturnType<typeof statSync>;
      try {
        entry = statSync(path);
      } catch {
        continue; // a dangling link
      }
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.size > 0) {
        docs.push({ name: path, path, size: entry.size, listed: true, characters: 0 });
      }
    }
  };
  walk(input.path);
  return docs;
}

/** The UTF-16 byte order that a text's first two bytes suggest: ASCII is the byte, then 0 (LE), or 0 first (BE). */
function utf16Order([b0, b1]: number[]): { utf16?: 'UTF-16LE' | 'UTF-16BE' } {
  if (b0 !== 0 && b1 === 0) return { utf16: 'UTF-16LE' };
  if (b0 === 0 && b1 !== undefined && b1 !== 0) return { utf16: 'UTF-16BE' };
  return {};
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function noText(inputs: readonly TextInput[]): CharrnnError {
  const names = inputs.map((i) => `'${i.name}'`).join(', ');
  return inputs.length === 1
    ? new CharrnnError(
        `${names} is a directory with no text files in it`,
        'give a folder with UTF-8 text files',
      )
    : new CharrnnError(`none of ${names} holds a text file`, 'give some UTF-8 text');
}

function changed(doc: Doc, why: string): CharrnnError {
  return new CharrnnError(`'${doc.name}' changed while it was read (${why})`, 'try again');
}

/** A document's bytes in chunks of the buffer's size (a file: exactly the size it had when listed). */
function forEachChunk(doc: Doc, buffer: Uint8Array, f: (chunk: Uint8Array) => void): void {
  if (doc.bytes) {
    for (let at = 0; at < doc.bytes.length; at += buffer.length)
      f(doc.bytes.subarray(at, at + buffer.length));
    return;
  }
  const fd = openForReading(doc.path!, 'the text file');
  try {
    for (let left = doc.size; left > 0; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, left), null);
      if (n === 0) break;
      f(buffer.subarray(0, n));
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that a document is strict UTF-8 (node:buffer's isUtf8 over whole sequences; one split between
 * chunks is carried over) and counts its characters. Returns the error, naming the byte offset, if it is not.
 */
function checkUtf8(doc: Doc, buffer: Uint8Array): CharrnnError | undefined {
  const carry = new Uint8Array(4);
  let carried = 0;
  let valid = true;
  let characters = 0;
  const head: number[] = [];
  let nul = false;
  forEachChunk(doc, buffer, (chunk) => {
    if (!valid) return;
    for (let k = 0; head.length < 2 && k < chunk.length; k++) head.push(chunk[k]);
    nul ||= chunk.includes(0); // NUL is ASCII: never part of a sequence, so a chunk boundary does not matter
    let i = 0;
    if (carried > 0) {
      const need = utf8Length(carry[0]);
      while (carried < need && i < chunk.length) carry[carried++] = chunk[i++];
      if (carried < need) return;
      valid = isUtf8(carry.subarray(0, need));
      characters++;
      carried = 0;
    }
    // hold back a last sequence that runs past the chunk's end (at most 3 of its bytes are in the chunk)
    let end = chunk.length;
    let lead = end - 1;
    while (lead > i && lead > end - 3 && (chunk[lead] & 0xc0) === 0x80) lead--;
    if (lead >= i && utf8Length(chunk[lead]) > end - lead) end = lead;
    const body = chunk.subarray(i, end);
    valid &&= isUtf8(body);
    characters += countCharacters(body);
    carry.set(chunk.subarray(end));
    carried = chunk.length - end;
  });
  if (valid && carried === 0) {
    doc.characters = characters;
    doc.nul = nul;
    doc.head = head;
    return undefined;
  }
  // the encoder's own message, with the offset of the first bad byte in this document
  const encoder = new CorpusEncoder(doc.size);
  try {
    forEachChunk(doc, buffer, (chunk) => encoder.write(chunk));
    encoder.finish();
  } catch (e) {
    if (e instanceof CharrnnError) return e;
    throw e;
  }
  return changed(doc, 'it was not valid UTF-8, then it was');
}

/** The length of a UTF-8 sequence from its lead byte (0: not a lead byte). */
function utf8Length(lead: number): number {
  return lead < 0x80
    ? 1
    : lead >= 0xc2 && lead <= 0xdf
      ? 2
      : lead >= 0xe0 && lead <= 0xef
        ? 3
        : lead >= 0xf0 && lead <= 0xf4
          ? 4
          : 0;
}

/** Characters in valid UTF-8: every byte but continuation bytes (ASCII blocks counted at once). */
function countCharacters(bytes: Uint8Array): number {
  const BLOCK = 65536;
  let n = 0;
  for (let at = 0; at < bytes.length; at += BLOCK) {
    const block = bytes.subarray(at, at + BLOCK);
    if (isAscii(block)) {
      n += block.length;
      continue;
    }
    for (let i = 0; i < block.length; i++) if ((block[i] & 0xc0) !== 0x80) n++;
  }
  return n;
}

/** Standard input, whole (its size is not known before it ends, so it is held as bytes, then encoded). */
export async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_TEXT_BYTES) throw textTooLong('standard input');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads a whole file (a checkpoint); `what` names it in errors. */
export function readBytes(path: string, what = 'the file'): Uint8Array {
  const fd = openForReading(path, what);
  try {
    const st = fstatSync(fd);
    if (sizeUnknown(st)) {
      // a pipe (`<(cat m.ckpt)`), a FIFO or a kernel file: its size is known only at its end
      return readToEnd(fd, () => new CharrnnError(`${what} '${path}' is too large`, 'check the path'));
    }
    const size = st.size;
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

/**
 * Reads a small UTF-8 text file (a prime) as a string, a byte-order mark kept as a character as training
 * keeps it; invalid UTF-8 is an error naming the byte offset, and an empty file one that says so.
 */
export function readText(path: string, what = 'the text file'): string {
  const bytes = readBytes(path, what);
  if (bytes.length === 0) throw new CharrnnError(`${what} '${path}' is empty`, 'give it some text');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    try {
      encodeCorpus(bytes); // names the offset of the first invalid byte, or UTF-16
    } catch (e) {
      if (e instanceof CharrnnError) throw new CharrnnError(`${what} '${path}': ${e.message}`, e.hint);
      throw e;
    }
    throw new CharrnnError(`${what} '${path}' is not valid UTF-8`, 'convert it to UTF-8');
  }
}

/**
 * Why a file cannot be put at `path` by a rename: it is (or names, as `runs/` does) a folder, a device (`/dev/null`: as root, a rename
 * would replace the device itself), a pipe or a socket. Undefined for a regular file, or nothing there yet.
 */
export function notAFile(path: string): string | undefined {
  if (/[\\/]$/.test(path) || ['.', '..'].includes(basename(path))) return 'it names a folder';
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'it is a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'it is a device, not a file';
  if (st.isFIFO()) return 'it is a pipe (FIFO), not a file';
  return 'it is not a regular file';
}

/**
 * Writes `data` (one array, or pieces one after the other) to `path` atomically: a temporary file beside it,
 * flushed, renamed over it, the folder flushed. `what` names the file in the error.
 */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | readonly Uint8Array[],
  what = 'the checkpoint',
): void {
  const parts = data instanceof Uint8Array ? [data] : data;
  const not = notAFile(path);
  if (not) throw new CharrnnError(`cannot write ${what} '${path}': ${not}`, 'give the path of a file');
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    for (const bytes of parts) {
      let at = 0;
      while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    }
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
      `cannot write ${what} '${path}': ${reason(e)}`,
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
    EEXIST: 'a file is in the way',
    EROFS: 'the file system is read-only',
    EDQUOT: 'the disk quota is exhausted',
  };
  return err?.code ? (words[err.code] ?? err.code) : String(err?.message ?? e);
}

/**
 * Whether two paths name the same file: the same device and inode when both exist (links, `./a` and `a`),
 * else the same absolute path.
 */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** The path of the best checkpoint beside the checkpoint `path`: `run.ckpt` -> `run.best.ckpt`. */
export function bestPathOf(path: string): string {
  return path.replace(/(\.[^./]*)?$/, '.best$1');
}

/**
 * Makes sure a checkpoint can be saved at `path` before a run starts: creates its folder if missing, and
 * writes and removes a temporary file there. Throws one line naming the path and the reason. Removes the
 * temporary files of `path` and of its best checkpoint that processes killed during a save left behind.
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
  const not = notAFile(path);
  if (not) {
    throw new CharrnnError(
      `cannot save to '${path}': ${not}`,
      `give the path of a file${not.endsWith('not a file') ? ' (without --save, nothing is saved)' : ''}`,
      'usage',
    );
  }
  const probe = join(dir, `.charrnn-write-test.${process.pid}.tmp`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    throw new CharrnnError(`cannot save to '${path}': ${reason(e)}`, 'choose another --save path', 'usage');
  }
  removeStaleTemporaries(dir, [
    basename(path),
    basename(bestPathOf(path)),
    '.charrnn-write-test',
    basename(lockPathOf(path)),
  ]);
}

/** The lock of a run that writes `path`: `<path>.lock`, in the folder's real path (links resolved). */
function lockPathOf(path: string): string {
  let dir = dirname(path);
  try {
    dir = realpathSync(dir);
  } catch {
    // not there yet: prepareSavePath creates it first
  }
  return join(dir, `${basename(path)}.lock`);
}

/**
 * Claims the checkpoint `path` for this run until it ends: `<path>.lock`, a symbolic link whose target is
 * this process's id, so that a second run saving to the same file (the same command typed in two
 * terminals, a resume of a run still going) is refused in one line instead of the two replacing each
 * other's saves. A link is made whole in one call and needs no space for its data (a full disk still runs
 * its rescue path). A lock left by a run that no longer runs (killed) is taken over. Where links cannot be
 * made, the run goes on unlocked. Returns the release, which also runs at the process's exit.
 */
export function lockSavePath(path: string): () => void {
  return lockOutput(path, 'saving to', '--save');
}

/**
 * Claims the JSON log `path` as lockSavePath claims a checkpoint: a second run appending to the same log
 * would mix its lines with this run's, and neither run's curve could be read from it.
 */
export function lockLogPath(path: string): () => void {
  return lockOutput(path, 'logging to', '--log-file');
}

function lockOutput(path: string, doing: string, flag: string): () => void {
  const lock = lockPathOf(path);
  const mine = String(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      symlinkSync(mine, lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) return () => {};
    }
    let pid = Number.NaN;
    try {
      pid = Number(readlinkSync(lock));
    } catch {
      // not a link (not charrnn's), or gone meanwhile: taken over
    }
    // (this process's own id: a lock left in an earlier container, whose ids start again)
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
      throw new CharrnnError(
        `another charrnn run (process ${pid}) is ${doing} '${path}'`,
        `wait for it to end, or give ${flag} another path (if no such run is going on, remove '${lock}')`,
        'usage',
      );
    }
    rmSync(lock, { force: true }); // its run ended without removing it (killed)
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (readlinkSync(lock) === mine) unlinkSync(lock);
    } catch {
      // gone already: nothing to release
    }
  };
  process.on('exit', release);
  return release;
}

/**
 * Removes `<name>.<pid>.tmp` (or `.<ext>`: a download's `.part`) in `dir`, for each of `names`, when no
 * process `pid` runs any more (a save or a download killed before its rename). A live process's file is left
 * alone: it may be writing it now.
 */
export function removeStaleTemporaries(dir: string, names: readonly string[], ext = 'tmp'): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = /^(.*)\.(\d+)\.([a-z]+)$/.exec(entry);
    if (!m || m[3] !== ext || !names.includes(m[1]) || isRunning(Number(m[2]))) continue;
    try {
      unlinkSync(join(dir, entry));
    } catch {
      // gone already, or not ours to remove: it is never read either way
    }
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: it runs, as another user
  }
}

/** Makes sure the JSON log can be appended to before a run starts: creates its folder and the file if missing. */
export function prepareLogPath(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new CharrnnError(
      `cannot write the log file '${path}': its folder cannot be created (${reason(e)})`,
      'choose another --log-file path',
      'usage',
    );
  }
  try {
    appendFileSync(path, '');
  } catch (e) {
    throw new CharrnnError(
      `cannot write the log file '${path}': ${reason(e)}`,
      'choose another --log-file path',
      'usage',
    );
  }
}

/**
 * Appends text (whole lines) to the JSON log; a failure is one line naming the file and the reason. What a
 * failed append wrote in part (a full disk takes the start of a line) is cut off again, so the log stays
 * whole JSON lines, and the run that resumes it appends after the last of them.
 */
export function appendLog(path: string, text: string): void {
  let fd: number | undefined;
  let size: number | undefined;
  try {
    fd = openSync(path, 'a');
    size = fstatSync(fd).size;
    const bytes = Buffer.from(text);
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
  } catch (e) {
    if (fd !== undefined && size !== undefined) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // the error below is what matters; the part written stays
      }
    }
    throw writeError(`the log file '${path}'`, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One line for a failed write to `what` ("the log file 'x'", "to standard output"), with the reason in words. */
export function writeError(what: string, e: unknown): CharrnnError {
  return new CharrnnError(`cannot write ${what}: ${reason(e)}`, 'free some space or fix the path');
}

/**
 * Writes a checkpoint; when that fails, writes it to a rescue file instead (in the working folder, else the
 * system's temporary folder) and throws one line naming both paths. The previous file at `path` stays.
 */
export function saveOrRescue(path: string, bytes: Uint8Array | readonly Uint8Array[]): void {
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

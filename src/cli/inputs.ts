// The texts `train` and `eval` read: FILE arguments that are files, folders (their files, recursively, in
// sorted order), `-` for standard input, or names from the catalog (`tiny-shakespeare`: the cached file,
// downloaded first when missing; a file of that name wins). All of them stream into one corpus, documents
// joined with U+001E (node/io.ts's readTexts); with --val-file, the validation texts follow the training
// texts in the same vocabulary, and the trainer is told where they start.
import { statSync } from 'node:fs';
import { findText } from '../data/catalog.js';
import type { Corpus } from '../data/text.js';
import { CharrnnError } from '../errors.js';
import { readBytes, readStdin, readTexts, type TextInput } from '../node/io.js';
import { catalogText } from './download.js';

export interface Inputs {
  corpus: Corpus;
  /** where the validation texts start in corpus.ids (with --val-file) */
  valFrom?: number;
  /** documents of the training texts, and of the validation texts */
  documents: number;
  valDocuments: number;
  /** the paths of the files read (training and validation texts; not standard input) */
  files: string[];
}

export interface InputOptions {
  /** join documents with U+001E (eval: only when the model knows it) */
  separator: boolean;
  /** status lines (downloads); warnings (skipped files) are always written */
  info: (line: string) => void;
}

const STDIN_NAME = 'standard input';

/**
 * A model file argument (a checkpoint, a PyTorch file) read whole, and how messages name it: `-` reads
 * standard input (`curl … | charrnn sample -`), named 'standard input'; a path is named in quotes.
 */
export async function readModelFile(
  path: string,
  what: string,
): Promise<{ bytes: Uint8Array; name: string }> {
  if (path !== '-') return { bytes: readBytes(path, what), name: `'${path}'` };
  if (process.stdin.isTTY) {
    throw new CharrnnError(
      `${what} '-' is standard input, and that is a terminal`,
      'pipe a file into it (charrnn sample - < model.ckpt), or give its path',
      'usage',
    );
  }
  const bytes = await readStdin();
  if (bytes.length === 0) {
    throw new CharrnnError(`${what} on standard input is empty`, 'pipe a file into it, or give its path');
  }
  return { bytes, name: STDIN_NAME };
}

/** Reads the training texts and, when given, the validation texts into one corpus. */
export async function readInputs(
  files: readonly string[],
  valFiles: readonly string[] | undefined,
  o: InputOptions,
): Promise<Inputs> {
  if ([...files, ...(valFiles ?? [])].filter((f) => f === '-').length > 1) {
    throw new CharrnnError("'-' (standard input) is given twice", 'it can be read only once', 'usage');
  }
  const train = await resolve(files, o);
  const val = valFiles ? await resolve(valFiles, o) : undefined;
  const warn = (line: string) => process.stderr.write(`charrnn: ${line}\n`);
  const read = readTexts(val ? [train, val] : [train], { separator: o.separator, onSkip: warn });
  if (read.skipped > 0) {
    warn(
      read.skipped > 1
        ? `skipped ${read.skipped} files that are not valid UTF-8`
        : 'skipped 1 file that is not valid UTF-8',
    );
  }
  for (const line of readTwice(read.partFiles)) warn(line);
  if (read.withNul.length > 0) {
    // named by the first such document (a folder's file, standard input), unless it is the only text
    const [first, ...others] = read.withNul;
    const all = read.documents.reduce((a, b) => a + b, 0);
    const who =
      all === 1
        ? 'the text'
        : `${first.name === STDIN_NAME ? STDIN_NAME : `'${first.name}'`}${others.length > 0 ? ` (and ${others.length} other text${others.length > 1 ? 's' : ''})` : ''}`;
    warn(
      `${who} contains NUL characters (U+0000), as UTF-16 and binary files do; they count as characters ` +
        `(to convert UTF-16: iconv -f ${first.utf16 ?? 'UTF-16LE (or UTF-16BE)'} -t UTF-8)`,
    );
  }
  return {
    corpus: read.corpus,
    ...(val && { valFrom: read.starts[1] }),
    documents: read.documents[0],
    valDocuments: read.documents[1] ?? 0,
    files: read.files,
  };
}

/**
 * Warnings for a file read twice (by two names, or by its name and in a folder): twice in the training texts
 * (it weighs double), twice in the validation texts, or, worst, as a training and a validation text, where
 * the validation loss no longer measures text the model has not seen. One line for each such file.
 */
function readTwice(parts: readonly (readonly string[])[]): string[] {
  // each file (by device and inode) with the paths it was read by, in each part
  const files = new Map<string, string[][]>();
  parts.forEach((paths, part) => {
    for (const path of paths) {
      let key: string;
      try {
        const st = statSync(path);
        key = `${st.dev}:${st.ino}`;
      } catch {
        continue; // read a moment ago; gone now
      }
      const byPart = files.get(key) ?? parts.map(() => []);
      byPart[part].push(path);
      files.set(key, byPart);
    }
  });
  const lines: string[] = [];
  const named = (paths: readonly string[]) =>
    [...new Set(paths)].map((p, i) => (i === 0 ? `'${p}'` : `(also '${p}')`)).join(' ');
  for (const [train, val = []] of files.values()) {
    if (train.length > 0 && val.length > 0) {
      lines.push(
        `${named([...train, ...val])} is both a training text and a --val-file text: the validation loss then ` +
          'measures text the model trains on, not held-out text; give --val-file a text that is not among the training texts',
      );
    }
    for (const [paths, which] of [
      [train, 'texts'],
      [val, '--val-file texts'],
    ] as const) {
      if (paths.length > 1) {
        lines.push(
          `${named(paths)} is read ${paths.length === 2 ? 'twice' : `${paths.length} times`} in the ${which}, so it counts ${paths.length === 2 ? 'double' : `${paths.length} times`}; give it once if that is not meant`,
        );
      }
    }
  }
  return lines;
}

/** The arguments as inputs: standard input read, catalog names fetched. */
async function resolve(args: readonly string[], o: InputOptions): Promise<TextInput[]> {
  const inputs: TextInput[] = [];
  for (const arg of args) {
    if (arg === '-') {
      if (process.stdin.isTTY) o.info('reading the text from standard input (end it with Ctrl-D)');
      inputs.push({ name: STDIN_NAME, bytes: await readStdin() });
      continue;
    }
    const entry = exists(arg) ? undefined : findText(arg);
    inputs.push({ name: arg, path: entry ? await catalogText(entry, o.info) : arg });
  }
  return inputs;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The inputs in a line: `'a.txt'`, `'a.txt', 'dir'`. */
export function describeInputs(args: readonly string[]): string {
  return args.map((a) => (a === '-' ? STDIN_NAME : `'${a}'`)).join(', ');
}

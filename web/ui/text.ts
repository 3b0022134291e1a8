// The Text panel: where the training text comes from (the built-in text, a text of the catalog such as
// tiny-shakespeare, a chosen or dropped file, or pasted text), what the worker gets of it (a TextSource),
// and a line saying its size. The built-in text and the catalog's are fetched when first chosen: the
// built-in one from the page's assets (corpus.ts), a catalog text downloaded once with a progress bar,
// checked and kept in the browser (download.ts); Start waits for the chosen one, and tries again after a
// failed download.
import { CATALOG } from '../../src/data/catalog.js';
import { type Corpus, corpusFromString, encodeCorpus, hasNulCharacters } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { BUILTIN_NAME, loadBuiltin } from '../corpus.js';
import { fetchCatalogText, type Progress, pageMirror } from '../download.js';
import type { TextSource } from '../protocol.js';
import { clearError, el, fmt, showError } from './dom.js';
import { probe } from './probe.js';

/** 'builtin', 'file', 'paste', or the name of a catalog text */
export type SourceKind = string;

const ui = {
  fields: el<HTMLFieldSetElement>('text-fields'),
  builtin: el('builtin-choice'),
  fileName: el('file-name'),
  file: el<HTMLInputElement>('text-file'),
  paste: el<HTMLTextAreaElement>('paste'),
  info: el('text-info'),
  progress: el<HTMLProgressElement>('text-progress'),
};

/** A text the page fetches: the built-in one, or a catalog text. */
interface Fetchable {
  /** its name, as the status line says it */
  what: string;
  /** gets its bytes; `note` says where from, for the info line; `progress` hears a download's */
  get(progress: (p: Progress) => void): Promise<{ bytes: Uint8Array; note: string }>;
  /** the fetch in flight or done (undefined: not started, or failed) */
  bytes?: Promise<Uint8Array> | undefined;
  /** the text's size once it is here */
  chars?: number;
  /** what the info line says of it now */
  line: string;
  /** the download's progress, while it runs */
  progress?: Progress | undefined;
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

const fetchable = new Map<SourceKind, Fetchable>([
  [
    'builtin',
    {
      what: BUILTIN_NAME,
      get: async () => ({ bytes: await loadBuiltin(), note: " (this project's README and sources)" }),
      line: '',
    },
  ],
  ...CATALOG.map((entry): [SourceKind, Fetchable] => [
    entry.name,
    {
      what: entry.name,
      get: async (progress) => {
        const mirror = pageMirror();
        const t = await fetchCatalogText(entry, mirror, progress);
        const from = mirror ? ` from the mirror ${mirror}` : '';
        const note = t.fromCache
          ? ', kept in this browser'
          : `, downloaded${from}${t.kept ? ' and kept in this browser' : ' (the browser would not keep it)'}`;
        return { bytes: t.bytes, note };
      },
      line: '',
    },
  ]),
]);

/** the chosen file, once it has been read and found to be UTF-8 */
let fileSource: { bytes: Uint8Array; name: string } | undefined;
let fileInfo = '';

export function sourceKind(): SourceKind {
  const v = (document.querySelector('input[name=source]:checked') as HTMLInputElement | null)?.value;
  return v ?? 'builtin';
}

/** told when another text is chosen (a radio, a file picked or dropped, a paste) */
let chosen: () => void = () => {};

function selectSource(kind: SourceKind): void {
  const radio = document.querySelector(`input[name=source][value="${kind}"]`) as HTMLInputElement | null;
  if (radio) radio.checked = true;
  showTextInfo();
  chosen();
}

/** A fetched text's bytes (fetching it the first time, or again after a failure). */
function want(kind: SourceKind): Promise<Uint8Array> {
  const f = fetchable.get(kind)!;
  f.bytes ??= (async () => {
    f.line = `${f.what}: loading…`;
    showTextInfo();
    const { bytes, note } = await f.get((p) => {
      f.progress = p;
      f.line = `Downloading ${f.what}: ${MB(p.received)} of ${MB(Math.max(p.total, p.received))}…`;
      if (sourceKind() === kind) showTextInfo();
    });
    const corpus = encodeCorpus(bytes); // strict UTF-8: a bad byte is named by its offset
    f.chars = corpus.ids.length;
    f.line = `${f.what}: ${describeCorpus(corpus)}${note}.`;
    return bytes;
  })().finally(() => {
    f.progress = undefined;
  });
  f.bytes.catch(() => {
    f.bytes = undefined;
    f.line = `${f.what}: not loaded (the alert says why).`;
  });
  f.bytes.finally(showTextInfo).catch(() => {});
  return f.bytes;
}

/** The chosen text, for the worker (waiting for a fetched one); a one-line error when there is none. */
export async function readSource(): Promise<TextSource> {
  const kind = sourceKind();
  const f = fetchable.get(kind);
  if (f) return { kind: 'bytes', bytes: await want(kind), what: f.what };
  if (kind === 'file') {
    if (!fileSource)
      throw new CharrnnError('no text file is chosen', 'choose or drop a UTF-8 text file', 'usage');
    return { kind: 'bytes', bytes: fileSource.bytes, what: fileSource.name };
  }
  // (only an empty paste: one of whitespace is a text, as a file of it is)
  if (ui.paste.value === '')
    throw new CharrnnError('the pasted text is empty', 'paste some text, or pick another source', 'usage');
  return { kind: 'string', text: ui.paste.value, what: 'the pasted text' };
}

/** '1,234 characters, 56 distinct symbols', and a word on NUL characters (UTF-16 without its mark, or binary) */
function describeCorpus(c: Corpus): string {
  const nul = hasNulCharacters(c) ? ', NUL characters among them (is it UTF-16, or not a text?)' : '';
  const n = (count: number, word: string) => `${fmt.format(count)} ${word}${count === 1 ? '' : 's'}`;
  return `${n(c.ids.length, 'character')}, ${n(c.vocab.size, 'distinct symbol')}${nul}`;
}

function showTextInfo(): void {
  const kind = sourceKind();
  const f = fetchable.get(kind);
  ui.progress.hidden = !f?.progress;
  probe.textLoading = f?.bytes !== undefined && f.chars === undefined;
  probe.textChars = f ? (f.chars ?? 0) : 0;
  if (f) {
    ui.info.textContent = f.line || `${f.what}: not loaded yet.`;
    if (f.progress) ui.progress.value = Math.min(1, f.progress.received / f.progress.total);
  } else if (kind === 'file') ui.info.textContent = fileSource ? fileInfo : 'No file chosen yet.';
  else
    ui.info.textContent = ui.paste.value
      ? `Pasted text: ${describeCorpus(corpusFromString(ui.paste.value))}.`
      : 'Nothing pasted yet.';
}

/** Reads a chosen or dropped file as the training text; a file not in UTF-8 is an alert naming a byte. */
export async function useTextFile(file: File): Promise<void> {
  clearError();
  fileSource = undefined;
  ui.fileName.textContent = file.name;
  selectSource('file');
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0) throw new CharrnnError('the file is empty', 'choose a file with some text in it'); // named below
    const corpus = encodeCorpus(bytes); // strict UTF-8: a bad byte is named by its offset
    fileSource = { bytes, name: file.name };
    fileInfo = `${file.name}: ${describeCorpus(corpus)}.`;
  } catch (e) {
    ui.fileName.textContent = `${file.name} (not usable)`;
    showError(e instanceof CharrnnError ? new CharrnnError(`${file.name}: ${e.message}`, e.hint, e.kind) : e);
  }
  showTextInfo();
}

/** The text cannot change while a model trains on it. */
export function setTextEnabled(enabled: boolean): void {
  ui.fields.disabled = !enabled;
}

/** A choice per catalog text, after the built-in text's: its name, size and description. */
function addCatalogChoices(): void {
  let after: Element = ui.builtin;
  for (const entry of CATALOG) {
    const label = document.createElement('label');
    label.className = 'choice';
    label.title = entry.description;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'source';
    radio.value = entry.name;
    const name = document.createElement('span');
    name.className = 'nowrap';
    name.textContent = entry.name;
    const size = document.createElement('span');
    size.className = 'muted';
    size.textContent = `(${MB(entry.bytes)}, downloaded once)`;
    label.append(radio, name, size);
    after.after(label);
    after = label;
  }
}

/** Wires the panel; `changed` hears every choice of a text. */
export function wireText(changed: () => void): void {
  chosen = changed;
  addCatalogChoices();
  ui.file.addEventListener('change', () => {
    const file = ui.file.files?.[0];
    if (file) void useTextFile(file);
    ui.file.value = '';
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=source]')) {
    radio.addEventListener('change', () => {
      if (fetchable.has(radio.value)) {
        clearError();
        want(radio.value).catch(showError);
      }
      showTextInfo();
      chosen();
    });
  }
  let pasteTimer: ReturnType<typeof setTimeout> | undefined;
  ui.paste.addEventListener('input', () => {
    if (sourceKind() !== 'paste') selectSource('paste');
    clearTimeout(pasteTimer);
    pasteTimer = setTimeout(showTextInfo, 150);
  });
  // the text chosen at first (the built-in one) is fetched now, after the page is up
  if (fetchable.has(sourceKind())) want(sourceKind()).catch(showError);
  showTextInfo();
}

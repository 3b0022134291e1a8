// The Text panel: where the training text comes from (the built-in text, a chosen or dropped file, or
// pasted text), what the worker gets of it (a TextSource), and a line saying its size.
import { corpusFromString, encodeCorpus } from '../../src/data/text.js';
import { CharrnnError } from '../../src/errors.js';
import { BUILTIN_NAME, BUILTIN_TEXT } from '../corpus.js';
import type { TextSource } from '../protocol.js';
import { clearError, el, fmt, showError } from './dom.js';

export type SourceKind = 'builtin' | 'file' | 'paste';

const ui = {
  fields: el<HTMLFieldSetElement>('text-fields'),
  fileName: el('file-name'),
  file: el<HTMLInputElement>('text-file'),
  paste: el<HTMLTextAreaElement>('paste'),
  info: el('text-info'),
};

/** the chosen file, once it has been read and found to be UTF-8 */
let fileSource: { bytes: Uint8Array; name: string } | undefined;
let fileInfo = '';

export function sourceKind(): SourceKind {
  const v = (document.querySelector('input[name=source]:checked') as HTMLInputElement | null)?.value;
  return v === 'file' || v === 'paste' ? v : 'builtin';
}

function selectSource(kind: SourceKind): void {
  const radio = document.querySelector(`input[name=source][value=${kind}]`) as HTMLInputElement | null;
  if (radio) radio.checked = true;
  showTextInfo();
}

/** The chosen text, for the worker; a one-line error when there is none. */
export function readSource(): TextSource {
  switch (sourceKind()) {
    case 'file':
      if (!fileSource)
        throw new CharrnnError('no text file is chosen', 'choose or drop a UTF-8 text file', 'usage');
      return { kind: 'bytes', bytes: fileSource.bytes, what: fileSource.name };
    case 'paste':
      if (ui.paste.value.trim() === '') {
        throw new CharrnnError(
          'the pasted text is empty',
          'paste some text, or pick another source',
          'usage',
        );
      }
      return { kind: 'string', text: ui.paste.value, what: 'the pasted text' };
    case 'builtin':
      return { kind: 'string', text: BUILTIN_TEXT, what: BUILTIN_NAME };
  }
}

/** The chosen text's name, as the status line says it. */
export function sourceName(): string {
  const kind = sourceKind();
  if (kind === 'file') return fileSource?.name ?? 'a file';
  return kind === 'paste' ? 'the pasted text' : BUILTIN_NAME;
}

function describeText(text: string): string {
  const c = corpusFromString(text);
  return `${fmt.format(c.ids.length)} characters, ${c.vocab.size} distinct symbols`;
}

function showTextInfo(): void {
  const kind = sourceKind();
  if (kind === 'builtin') ui.info.textContent = `Built-in text: ${describeText(BUILTIN_TEXT)}.`;
  else if (kind === 'file') ui.info.textContent = fileSource ? fileInfo : 'No file chosen yet.';
  else
    ui.info.textContent = ui.paste.value
      ? `Pasted text: ${describeText(ui.paste.value)}.`
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
    if (bytes.length === 0)
      throw new CharrnnError(`${file.name} is empty`, 'choose a file with some text in it');
    const corpus = encodeCorpus(bytes); // strict UTF-8: a bad byte is named by its offset
    fileSource = { bytes, name: file.name };
    fileInfo = `${file.name}: ${fmt.format(corpus.ids.length)} characters, ${corpus.vocab.size} distinct symbols.`;
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

export function wireText(): void {
  ui.file.addEventListener('change', () => {
    const file = ui.file.files?.[0];
    if (file) void useTextFile(file);
    ui.file.value = '';
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=source]')) {
    radio.addEventListener('change', showTextInfo);
  }
  let pasteTimer: ReturnType<typeof setTimeout> | undefined;
  ui.paste.addEventListener('input', () => {
    if (sourceKind() !== 'paste') selectSource('paste');
    clearTimeout(pasteTimer);
    pasteTimer = setTimeout(showTextInfo, 150);
  });
  showTextInfo();
}

// The Kept models panel: the models kept in this browser (store.ts: IndexedDB, so they outlive a reload),
// newest first, one row each: its name, model (cell, layers × hidden), iterations and best validation
// loss, and four buttons: Load (then Generate, or Start to continue, as with a loaded file), Continue (load,
// then Start at once on the chosen text), Download (its checkpoint file) and Delete. Save model keeps the
// model in training or loaded, under the name typed beside it, else the name of its text. The list follows
// the other tabs of the page: a model kept or deleted in one shows in all.
import type { ModelInfo } from '../protocol.js';
import {
  deleteModel,
  type KeptModel,
  keepModel,
  keptCheckpoint,
  keptModels,
  onKeptChanged,
} from '../store.js';
import { clearError, el, fmt, showError } from './dom.js';
import { probe } from './probe.js';

const ui = {
  name: el<HTMLInputElement>('keep-name'),
  table: el<HTMLTableElement>('kept'),
  rows: el<HTMLTableSectionElement>('kept-rows'),
  note: el('kept-note'),
};

const NONE_YET = 'No models kept yet: Save model keeps the model in this browser.';

/** What the panel asks of the page: load a kept checkpoint (and continue it), or download it. */
export interface KeptActions {
  load(bytes: Uint8Array, name: string, andContinue: boolean): void;
  download(bytes: Uint8Array, fileName: string): void;
}

let actions: KeptActions | undefined;

/** A file name for a kept model: charrnn-<name>-<iter>.safetensors, with only safe characters. */
function fileName(m: KeptModel): string {
  const slug = m.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `charrnn-${slug || 'model'}${Number.isNaN(m.iter) ? '' : `-${m.iter}`}.safetensors`;
}

/** A number of a kept model's entry, or '?' when its entry does not have it. */
const known = (n: number): string => (Number.isNaN(n) ? '?' : fmt.format(n));

function cell(text: string, className: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  return td;
}

/**
 * A row's button: described by the row's name cell (`nameId`), so that a screen reader tells the rows apart
 * ("Load, button, shakespeare"), while its name stays what it says.
 */
function button(label: string, nameId: string, title: string, run: () => Promise<void>): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.setAttribute('aria-describedby', nameId);
  b.title = title;
  b.addEventListener('click', () => {
    clearError();
    // (a model deleted in another tab meanwhile: the list shows it gone)
    run().catch((e: unknown) => {
      showError(e);
      void refreshKept();
    });
  });
  return b;
}

function row(m: KeptModel): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.id = String(m.id);
  const nameId = `kept-name-${m.id}`;
  const when = Number.isNaN(m.savedAt) ? 'kept' : `kept ${new Date(m.savedAt).toLocaleString()}`;
  tr.title = Number.isNaN(m.size) ? when : `${when}; ${fmt.format(m.size)} bytes`;
  const actionsCell = document.createElement('td');
  actionsCell.className = 'kept-actions';
  actionsCell.append(
    button('Load', nameId, 'load it: then Generate, or Start to continue training', async () =>
      actions?.load(await keptCheckpoint(m.id), m.name, false),
    ),
    button('Continue', nameId, 'load it and continue training on the chosen text', async () =>
      actions?.load(await keptCheckpoint(m.id), m.name, true),
    ),
    button('Download', nameId, 'its checkpoint file', async () =>
      actions?.download(await keptCheckpoint(m.id), fileName(m)),
    ),
    button('Delete', nameId, 'remove it from this browser', async () => {
      await deleteModel(m.id);
      await refreshKept();
    }),
  );
  tr.append(
    Object.assign(cell(m.name, 'kept-name'), { id: nameId }),
    cell(`${m.model} ${known(m.layers)}×${known(m.hidden)}`, 'kept-model'),
    cell(known(m.iter), 'kept-iter'),
    cell(Number.isFinite(m.valLoss) ? m.valLoss.toFixed(3) : '–', 'kept-val'),
    actionsCell,
  );
  return tr;
}

/** Reads the list from the store and shows it. */
export async function refreshKept(): Promise<void> {
  let models: KeptModel[];
  try {
    models = await keptModels();
  } catch (e) {
    ui.note.textContent = `Models cannot be kept in this browser: ${e instanceof Error ? e.message : String(e)}`;
    return;
  }
  ui.rows.replaceChildren(...models.map(row));
  ui.table.hidden = models.length === 0;
  ui.note.textContent = models.length === 0 ? NONE_YET : '';
  probe.kept = models.length;
}

/** The entry the list shows of the checkpoint `bytes`, which `info` describes, kept under `name`. */
export function entryOf(name: string, bytes: Uint8Array, info: ModelInfo): Omit<KeptModel, 'id'> {
  const c = info.config;
  return {
    name,
    model: c.model,
    layers: c.layers,
    hidden: c.hidden,
    iter: info.iter,
    valLoss: info.bestValLoss,
    size: bytes.length,
    savedAt: Date.now(),
  };
}

/** Keeps the checkpoint `bytes`, which `info` describes, in the browser under `name` (rejects on a full quota). */
export function keepBytes(name: string, bytes: Uint8Array, info: ModelInfo): Promise<KeptModel> {
  return keepModel(entryOf(name, bytes, info), bytes);
}

/** A line under the list (after refreshKept, which clears it). */
export function showKeptNote(text: string): void {
  ui.note.textContent = text;
}

/**
 * Keeps a checkpoint the worker saved, under the name typed, else `defaultName`; a full quota is an alert.
 * Resolves with whether it was kept.
 */
export async function keepCheckpoint(
  bytes: Uint8Array,
  info: ModelInfo,
  defaultName: string,
): Promise<boolean> {
  const name = ui.name.value.trim() || defaultName;
  try {
    await keepBytes(name, bytes, info);
    ui.name.value = '';
    await refreshKept();
    ui.note.textContent = `Kept '${name}' at iteration ${fmt.format(info.iter)}.`;
    return true;
  } catch (e) {
    showError(e);
    await refreshKept();
    return false;
  }
}

/** The name Save model gives when none is typed (the name of the model's text), as a placeholder. */
export function setDefaultName(name: string | undefined): void {
  ui.name.placeholder = name ?? "(the text's name)";
}

export function wireKept(a: KeptActions): void {
  actions = a;
  ui.note.textContent = 'Reading the kept models…';
  onKeptChanged(() => void refreshKept()); // (kept or deleted in another tab)
  void refreshKept();
}

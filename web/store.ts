// The models the page keeps: checkpoints in the browser's IndexedDB (database 'charrnn'), so they outlive a
// reload. Two object stores under one key: 'models' holds what the list shows (a few numbers per model),
// 'checkpoints' the checkpoint's bytes, read only to load or download that model. A full storage quota
// (QuotaExceededError) becomes a one-line CharrnnError; nothing is kept then. Every tab of the page shares
// the store: a change made in one (a model kept or deleted) is announced on a BroadcastChannel, so the
// others show it at once (onKeptChanged). The browser may close the page's connection to the store (its
// data cleared, the database deleted): then the next use opens it again, and the list is read anew. Any
// other failure of the store is one line too.
import { CharrnnError } from '../src/errors.js';

const DB_NAME = 'charrnn';
const DB_VERSION = 1;
const MODELS = 'models';
const CHECKPOINTS = 'checkpoints';

/** A kept model, as the list shows it (NaN: a number its stored entry does not have; keptModels). */
export interface KeptModel {
  id: number;
  name: string;
  /** the cell: rnn, lstm or gru */
  model: string;
  layers: number;
  hidden: number;
  iter: number;
  /** the best validation loss in nats/char (Infinity: never evaluated) */
  valLoss: number;
  /** the checkpoint's size in bytes */
  size: number;
  /** when it was kept, in milliseconds since 1970 */
  savedAt: number;
}

let opened: Promise<IDBDatabase> | undefined;
/** the open connection (once `opened` has resolved) */
let connection: IDBDatabase | undefined;
/** what onKeptChanged registered: told when the store changed under this tab */
const listeners: (() => void)[] = [];

const CHANNEL = 'charrnn-kept';
/** the other tabs of the page hear of changes here (none where there is no BroadcastChannel) */
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined;

/** Tells the other tabs that the kept models changed. */
function announce(): void {
  channel?.postMessage('changed');
}

/**
 * Calls `changed` when the kept models changed elsewhere: another tab of the page kept or deleted one, or
 * the browser closed the store (the site's data cleared).
 */
export function onKeptChanged(changed: () => void): void {
  listeners.push(changed);
  channel?.addEventListener('message', () => changed());
}

/** Forgets the connection `db`, if it is the open one: the next use opens the store again. */
function forget(db: IDBDatabase): void {
  if (connection !== db) return;
  connection = undefined;
  opened = undefined;
}

/** The message of `e`, without a closing period (the line goes on). */
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\.+$/, '');

/** How often, and how far apart (ms), an open the browser aborts (it is clearing the site's data) is tried. */
const OPEN_TRIES = 20;
const OPEN_RETRY_MS = 100;

function database(): Promise<IDBDatabase> {
  opened ??= openStore(OPEN_TRIES).catch((e: unknown) => {
    opened = undefined; // the next call tries again
    throw new CharrnnError(
      `the browser's storage (IndexedDB) cannot be opened: ${why(e)}`,
      'models can still be downloaded with Download checkpoint',
    );
  });
  return opened;
}

/** Opens the store; an open aborted (AbortError: the browser clearing the site's data) is tried again. */
async function openStore(tries: number): Promise<IDBDatabase> {
  for (let left = tries - 1; ; left--) {
    try {
      return await openOnce();
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'AbortError') || left === 0) throw e;
      await new Promise((r) => setTimeout(r, OPEN_RETRY_MS));
    }
  }
}

function openOnce(): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(MODELS, { keyPath: 'id', autoIncrement: true });
      req.result.createObjectStore(CHECKPOINTS);
    };
    req.onsuccess = () => {
      const db = req.result;
      connection = db;
      // closed by the browser (the site's data cleared): what the list shows may be gone
      db.onclose = () => {
        forget(db);
        for (const changed of listeners) changed();
      };
      // the database deleted (the site's data cleared, by the browser or another tab), or opened in a newer
      // version: this tab lets it, and reads the list anew
      db.onversionchange = () => {
        db.close();
        forget(db);
        for (const changed of listeners) changed();
      };
      resolve(db);
    };
    req.onerror = () => reject(req.error);
  });
}

/**
 * A transaction on `stores`; a connection the browser has closed (its close event not heard yet) is opened
 * again, once.
 */
async function transaction(stores: string[], mode: IDBTransactionMode = 'readonly'): Promise<IDBTransaction> {
  const db = await database();
  try {
    return db.transaction(stores, mode);
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'InvalidStateError')) throw e;
    forget(db);
    return (await database()).transaction(stores, mode);
  }
}

/** What failed in the store, as one line. */
function failed(e: unknown): unknown {
  if (e instanceof CharrnnError) return e;
  return new CharrnnError(
    `the browser's storage (IndexedDB) failed: ${why(e)}`,
    'reload the page to try again; models can still be downloaded with Download checkpoint',
  );
}

/** Resolves when the transaction commits; rejects with the error that aborted it. */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = (e) => reject((e.target as IDBRequest | null)?.error ?? tx.error);
    tx.onabort = () => reject(tx.error ?? new DOMException('the transaction was aborted', 'AbortError'));
  });
}

function result<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Keeps a checkpoint under `model`'s description; returns the entry with its new id. */
export async function keepModel(model: Omit<KeptModel, 'id'>, bytes: Uint8Array): Promise<KeptModel> {
  try {
    const tx = await transaction([MODELS, CHECKPOINTS], 'readwrite');
    const done = committed(tx);
    const add = tx.objectStore(MODELS).add(model);
    let id = 0;
    add.onsuccess = () => {
      id = add.result as number;
      tx.objectStore(CHECKPOINTS).put(bytes, id);
    };
    await done;
    announce();
    return { ...model, id };
  } catch (e) {
    if (e instanceof DOMException && e.name === 'QuotaExceededError') {
      throw new CharrnnError(
        `the browser's storage is full: '${model.name}' (${model.size} bytes) was not kept`,
        'delete kept models you no longer need, or use Download checkpoint',
      );
    }
    throw failed(e);
  }
}

/** A finite number, else NaN (unknown). */
const numberOr = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/**
 * A stored entry as the list shows it, whatever wrote it: a field it lacks (an entry written by another
 * build of the page, or by hand) or holds as something else is unknown (NaN, 'unknown'), never undefined.
 */
function entry(stored: Record<string, unknown>, id: number): KeptModel {
  const text = (v: unknown, none: string) => (typeof v === 'string' && v !== '' ? v : none);
  return {
    id,
    name: text(stored.name, `model ${id}`),
    model: text(stored.model, 'unknown'),
    layers: numberOr(stored.layers),
    hidden: numberOr(stored.hidden),
    iter: numberOr(stored.iter),
    valLoss: typeof stored.valLoss === 'number' && !Number.isNaN(stored.valLoss) ? stored.valLoss : Infinity,
    size: numberOr(stored.size),
    savedAt: numberOr(stored.savedAt),
  };
}

/** The kept models, newest first (those not known when kept last). */
export async function keptModels(): Promise<KeptModel[]> {
  let values: unknown[];
  let keys: IDBValidKey[];
  try {
    const store = (await transaction([MODELS])).objectStore(MODELS);
    [values, keys] = await Promise.all([result(store.getAll()), result(store.getAllKeys())]);
  } catch (e) {
    throw failed(e);
  }
  const all = values.map((v, i) =>
    entry(v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {}, Number(keys[i])),
  );
  const when = (m: KeptModel) => (Number.isNaN(m.savedAt) ? -Infinity : m.savedAt);
  return all.sort((a, b) => when(b) - when(a) || b.id - a.id);
}

/** A kept model's checkpoint bytes. */
export async function keptCheckpoint(id: number): Promise<Uint8Array> {
  let bytes: unknown;
  try {
    bytes = await result((await transaction([CHECKPOINTS])).objectStore(CHECKPOINTS).get(id));
  } catch (e) {
    throw failed(e);
  }
  if (!(bytes instanceof Uint8Array))
    throw new CharrnnError('that model is no longer kept', 'it was deleted, maybe in another tab');
  return bytes;
}

export async function deleteModel(id: number): Promise<void> {
  try {
    const tx = await transaction([MODELS, CHECKPOINTS], 'readwrite');
    const done = committed(tx);
    tx.objectStore(MODELS).delete(id);
    tx.objectStore(CHECKPOINTS).delete(id);
    await done;
  } catch (e) {
    throw failed(e);
  }
  announce();
}

// ---- the autosave of a tab's model in training: outlives the tab, and becomes a kept model after it ----

/** Where a tab keeps the latest checkpoint of its model in training: its own key in 'checkpoints'. */
const autosaveKey = (tab: string) => `autosave:${tab}`;

/** An autosave, as stored: the entry it becomes in the list, and its bytes. */
interface Autosave {
  model: Omit<KeptModel, 'id'>;
  bytes: Uint8Array;
}

/** Writes (over the one before) tab `tab`'s latest checkpoint of its model in training. */
export async function holdAutosave(
  tab: string,
  model: Omit<KeptModel, 'id'>,
  bytes: Uint8Array,
): Promise<void> {
  try {
    const tx = await transaction([CHECKPOINTS], 'readwrite');
    const done = committed(tx);
    tx.objectStore(CHECKPOINTS).put({ model, bytes } satisfies Autosave, autosaveKey(tab));
    await done;
  } catch (e) {
    throw failed(e);
  }
}

/** Forgets tab `tab`'s autosave (its model in training is gone: reset, replaced, or kept). */
export async function dropAutosave(tab: string): Promise<void> {
  try {
    const tx = await transaction([CHECKPOINTS], 'readwrite');
    const done = committed(tx);
    tx.objectStore(CHECKPOINTS).delete(autosaveKey(tab));
    await done;
  } catch (e) {
    throw failed(e);
  }
}

/** The tabs that have an autosave in the store. */
export async function autosavedTabs(): Promise<string[]> {
  let keys: IDBValidKey[];
  try {
    keys = await result((await transaction([CHECKPOINTS])).objectStore(CHECKPOINTS).getAllKeys());
  } catch (e) {
    throw failed(e);
  }
  const prefix = autosaveKey('');
  return keys
    .filter((k) => typeof k === 'string' && k.startsWith(prefix))
    .map((k) => (k as string).slice(prefix.length));
}

/**
 * Makes tab `tab`'s autosave (the tab has ended) a kept model, in one transaction, so that of two tabs that
 * try, one does; returns it, or undefined when there is none (any more).
 */
export async function keepAutosave(tab: string): Promise<KeptModel | undefined> {
  let kept: KeptModel | undefined;
  try {
    const tx = await transaction([MODELS, CHECKPOINTS], 'readwrite');
    const done = committed(tx);
    const checkpoints = tx.objectStore(CHECKPOINTS);
    const get = checkpoints.get(autosaveKey(tab));
    get.onsuccess = () => {
      const saved = get.result as Partial<Autosave> | undefined;
      checkpoints.delete(autosaveKey(tab));
      if (!saved?.model || !(saved.bytes instanceof Uint8Array)) return;
      const { model, bytes } = saved as Autosave;
      const add = tx.objectStore(MODELS).add(model);
      add.onsuccess = () => {
        kept = { ...model, id: add.result as number };
        checkpoints.put(bytes, add.result);
      };
    };
    await done;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'QuotaExceededError') return undefined; // (nothing changed)
    throw failed(e);
  }
  if (kept) announce();
  return kept;
}

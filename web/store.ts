// The models the page keeps: checkpoints in the browser's IndexedDB (database 'charrnn'), so they outlive a
// reload. Two object stores under one key: 'models' holds what the list shows (a few numbers per model),
// 'checkpoints' the checkpoint's bytes, read only to load or download that model. A full storage quota
// (QuotaExceededError) becomes a one-line CharrnnError; nothing is kept then. Every tab of the page shares
// the store: a change made in one (a model kept or deleted) is announced on a BroadcastChannel, so the
// others show it at once (onKeptChanged).
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

const CHANNEL = 'charrnn-kept';
/** the other tabs of the page hear of changes here (none where there is no BroadcastChannel) */
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : undefined;

/** Tells the other tabs that the kept models changed. */
function announce(): void {
  channel?.postMessage('changed');
}

/** Calls `changed` when another tab of the page keeps or deletes a model. */
export function onKeptChanged(changed: () => void): void {
  channel?.addEventListener('message', () => changed());
}

function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(MODELS, { keyPath: 'id', autoIncrement: true });
      req.result.createObjectStore(CHECKPOINTS);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }).catch((e: unknown) => {
    opened = undefined; // the next call tries again
    const why = (e instanceof Error ? e.message : String(e)).replace(/\.+$/, ''); // (the line goes on)
    throw new CharrnnError(
      `the browser's storage (IndexedDB) cannot be opened: ${why}`,
      'models can still be downloaded with Download checkpoint',
    );
  });
  return opened;
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
  const db = await database();
  try {
    const tx = db.transaction([MODELS, CHECKPOINTS], 'readwrite');
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
    throw e;
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
  const db = await database();
  const store = db.transaction(MODELS).objectStore(MODELS);
  const [values, keys] = await Promise.all([result(store.getAll()), result(store.getAllKeys())]);
  const all = values.map((v, i) => entry(v !== null && typeof v === 'object' ? v : {}, Number(keys[i])));
  const when = (m: KeptModel) => (Number.isNaN(m.savedAt) ? -Infinity : m.savedAt);
  return all.sort((a, b) => when(b) - when(a) || b.id - a.id);
}

/** A kept model's checkpoint bytes. */
export async function keptCheckpoint(id: number): Promise<Uint8Array> {
  const db = await database();
  const bytes = await result(db.transaction(CHECKPOINTS).objectStore(CHECKPOINTS).get(id));
  if (!(bytes instanceof Uint8Array))
    throw new CharrnnError('that model is no longer kept', 'it was deleted, maybe in another tab');
  return bytes;
}

export async function deleteModel(id: number): Promise<void> {
  const db = await database();
  const tx = db.transaction([MODELS, CHECKPOINTS], 'readwrite');
  const done = committed(tx);
  tx.objectStore(MODELS).delete(id);
  tx.objectStore(CHECKPOINTS).delete(id);
  await done;
  announce();
}

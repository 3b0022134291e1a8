// Nothing lost when a thread of the page dies. The training worker sends a checkpoint of the model in
// training every few seconds and when it pauses or finishes ('autosave'); the page holds the latest here,
// in memory. When a shard worker dies, the training worker stops the run and sends the state from before
// the failed step ('lost'); when the training worker itself dies (main.ts hears it: watch.ts), what is
// held here is all that is left. Either way the page keeps that checkpoint in the browser, in the list of
// kept models (store.ts; a download when it cannot), where Continue goes on training from it, and says so
// in one line.
//
// A reload or a closed tab ends the training worker too, and the page with it: so what is held is also
// written to the browser's store, under this tab's Web Lock (watch.ts), and forgotten when the model in
// training is (Reset, another model loaded, or kept by Save model at that very iteration). When the page
// opens, each autosave of a tab that has ended (its lock released; one still open, once it ends) becomes a
// kept model, '<text> (recovered at N)'.
import type { ModelInfo } from './protocol.js';
import { autosavedTabs, dropAutosave, holdAutosave, keepAutosave } from './store.js';
import { fmt } from './ui/dom.js';
import { entryOf, keepBytes, refreshKept, showKeptNote } from './ui/models.js';
import { probe } from './ui/probe.js';
import { holdLock, whenReleased } from './watch.js';

/** A checkpoint of the model in training, and the name of its text. */
export interface Held {
  bytes: Uint8Array;
  info: ModelInfo;
  what: string;
}

let held: Held | undefined;

/** this tab's Web Lock, held while it lives ('' without Web Locks: then nothing is written to the store) */
const tab = holdLock('charrnn-tab');
/** the writes to the store, one after another, in order */
let writes: Promise<unknown> = Promise.resolve();

/** Writes to the store in turn; a write that fails (a full quota) leaves the checkpoint held in memory only. */
function write(work: (tab: string) => Promise<unknown>): void {
  writes = writes
    .then(() => tab)
    .then((t) => (t ? work(t) : undefined))
    .catch((e: unknown) => console.warn('charrnn: the autosave is not in the browser', e));
}

/** The name a checkpoint held is kept under. */
const recoveredName = (h: Held) => `${h.what} (recovered at ${fmt.format(h.info.iter)})`;

/** The latest checkpoint of the model in training. */
export function hold(h: Held): void {
  held = h;
  probe.heldIter = h.info.iter;
  write((t) => holdAutosave(t, entryOf(recoveredName(h), h.bytes, h.info), h.bytes));
}

/** No model in training any more (Reset, a loaded checkpoint): nothing to hold. */
export function release(): void {
  if (held) write(dropAutosave);
  held = undefined;
  probe.heldIter = null;
}

/** Save model kept the model in training at iteration `iter`: if that is what is held, no autosave is needed. */
export function keptAt(iter: number): void {
  if (held?.info.iter === iter) write(dropAutosave);
}

/**
 * The autosaves of the tabs that have ended become kept models; those of tabs still open, once they end.
 * (A reload or a closed tab kept its model in training so.)
 */
export async function recoverEnded(): Promise<void> {
  const mine = await tab;
  if (!mine) return;
  let tabs: string[];
  try {
    tabs = await autosavedTabs();
  } catch {
    return; // (the list says why the store cannot be used)
  }
  for (const other of tabs.filter((t) => t !== mine)) {
    whenReleased(other, () => {
      void keepAutosave(other)
        .then(async (kept) => {
          if (!kept) return;
          probe.recovered++;
          await refreshKept();
          showKeptNote(
            `Kept '${kept.name}': the model that was training when the page closed. Press Continue to go on.`,
          );
        })
        .catch((e: unknown) => console.warn('charrnn: an autosave was not kept', e));
    });
  }
}

/** What is held, taken (for a worker that died). */
export function takeHeld(): Held | undefined {
  const h = held;
  release();
  return h;
}

/**
 * Keeps `h` in the browser as '<text> (recovered at N)'; returns what became of it ('kept as ...', after
 * "the model is"). When it cannot be kept (no IndexedDB, a full quota), `download` saves it as a file.
 */
export async function keepRecovered(
  h: Held,
  download: (bytes: Uint8Array, name: string) => void,
): Promise<string> {
  const name = recoveredName(h);
  try {
    await keepBytes(name, h.bytes, h.info);
  } catch (e) {
    const file = `charrnn-recovered-${h.info.iter}.safetensors`;
    download(h.bytes, file);
    return `downloaded as ${file} (it could not be kept in this browser: ${e instanceof Error ? e.message : String(e)}): load it and press Start to go on`;
  }
  probe.recovered++;
  await refreshKept();
  return `kept as '${name}' in Kept models: press Continue there to go on`;
}

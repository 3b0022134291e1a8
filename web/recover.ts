// Nothing lost when a thread of the page dies. The training worker sends a checkpoint of the model in
// training every few seconds and when it pauses or finishes ('autosave'); the page holds the latest here,
// in memory. When a shard worker dies, the training worker stops the run and sends the state from before
// the failed step ('lost'); when the training worker itself dies (main.ts hears it: watch.ts), what is
// held here is all that is left. Either way the page keeps that checkpoint in the browser, in the list of
// kept models (store.ts; a download when it cannot), where Continue goes on training from it, and says so
// in one line.
import type { ModelInfo } from './protocol.js';
import { fmt } from './ui/dom.js';
import { keepBytes, refreshKept } from './ui/models.js';
import { probe } from './ui/probe.js';

/** A checkpoint of the model in training, and the name of its text. */
export interface Held {
  bytes: Uint8Array;
  info: ModelInfo;
  what: string;
}

let held: Held | undefined;

/** The latest checkpoint of the model in training. */
export function hold(h: Held): void {
  held = h;
  probe.heldIter = h.info.iter;
}

/** No model in training any more (Reset, a loaded checkpoint): nothing to hold. */
export function release(): void {
  held = undefined;
  probe.heldIter = null;
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
  const name = `${h.what} (recovered at ${fmt.format(h.info.iter)})`;
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

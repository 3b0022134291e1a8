// What both trainers' checkpoints share: the format name and version, and a reader of the safetensors
// metadata that turns every missing or malformed field into one clear line naming it.
import { CharrnnError } from './errors.js';
import { decodeSafetensors, type SafeTensors } from './safetensors.js';
import { Vocab } from './text.js';

export const CHECKPOINT_FORMAT = 'charrnn-checkpoint';
export const CHECKPOINT_VERSION = '1';

/** The metadata of a decoded checkpoint, read field by field. */
export class CheckpointReader {
  readonly st: SafeTensors;
  readonly meta: Record<string, string>;

  /** Decodes `bytes` and checks the format and version; `what` names the file in errors. */
  constructor(
    bytes: Uint8Array,
    readonly what: string,
  ) {
    this.st = decodeSafetensors(bytes, what);
    this.meta = this.st.metadata;
    if (this.meta.format !== CHECKPOINT_FORMAT)
      throw this.bad('its metadata does not name the charrnn format');
    if (this.meta.version !== CHECKPOINT_VERSION) {
      throw this.bad(`format version ${this.meta.version} is not supported (expected ${CHECKPOINT_VERSION})`);
    }
  }

  bad(problem: string): CharrnnError {
    return new CharrnnError(
      `${this.what} is not a valid charrnn checkpoint: ${problem}`,
      'check the path, or save it again',
    );
  }

  /** A JSON field ("Infinity" as a string stands for Infinity, which JSON cannot spell). */
  json(key: string): unknown {
    try {
      return JSON.parse(this.meta[key] ?? '', (_k, v) => (v === 'Infinity' ? Infinity : v));
    } catch {
      throw this.bad(`metadata '${key}' is missing or not valid JSON`);
    }
  }

  vocab(): Vocab {
    const codePoints = this.json('vocab');
    if (
      !Array.isArray(codePoints) ||
      codePoints.length === 0 ||
      !codePoints.every((c) => Number.isInteger(c))
    ) {
      throw this.bad('its vocabulary is invalid');
    }
    try {
      return new Vocab(codePoints as number[]);
    } catch {
      throw this.bad('its vocabulary is not sorted and unique');
    }
  }
}

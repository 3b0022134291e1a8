// One error type for everything a user can get wrong: a one-line message that names the problem,
// and a hint that says what to do. The CLI prints `charrnn: <message>; <hint>` and exits non-zero
// (2 for usage errors); the web page shows the same line.

/** 'thread': a worker thread died (src/training/parallel.ts); the state from before it can be saved */
export type ErrorKind = 'usage' | 'input' | 'diverged' | 'thread';

export class CharrnnError extends Error {
  constructor(
    message: string,
    readonly hint = '',
    readonly kind: ErrorKind = 'input',
  ) {
    super(message);
    this.name = 'CharrnnError';
  }

  /** The whole one-line report. */
  get line(): string {
    return this.hint ? `${this.message}; ${this.hint}` : this.message;
  }
}

const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what must not reach a one-line message
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text from an input (a tensor name, a metadata value) as a one-line message may quote it: control and
 * line-breaking characters and lone surrogates escaped as \uXXXX, and at most `max` characters.
 */
export function shown(text: string, max = 40): string {
  const head = Array.from(text.length > 4 * max ? text.slice(0, 4 * max) : text);
  const cut = head.length > max || text.length > 4 * max;
  const escaped = head
    .slice(0, max)
    .join('')
    .replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut ? `${escaped}…` : escaped;
}

/**
 * Any value as a message may show it: a string quoted (see `shown`), a number as it is, else its kind ('a
 * list', 'a Uint8Array', 'an object', 'a function').
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return `'${shown(value)}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

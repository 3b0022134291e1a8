// One error type for everything a user can get wrong: a one-line message that names the problem,
// and a hint that says what to do. The CLI prints `charrnn: <message>; <hint>` and exits non-zero
// (2 for usage errors); the web page shows the same line.

export type ErrorKind = 'usage' | 'input' | 'diverged';

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

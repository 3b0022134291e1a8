// The page's built-in training text: the CLI's own (dist/builtin-corpus.txt, which scripts/builtin-corpus.mjs
// writes from this project's README and TypeScript sources at build time: a few hundred KB). The Vite build
// emits it as an asset of its own, and the page fetches it when it is first wanted, so it is not part of the
// page's script.
import builtinUrl from '../dist/builtin-corpus.txt?url';
import { CharrnnError } from '../src/errors.js';

export const BUILTIN_NAME = 'the built-in text';

let loading: Promise<Uint8Array> | undefined;

/** The built-in text's bytes (UTF-8), fetched once. */
export function loadBuiltin(): Promise<Uint8Array> {
  loading ??= fetch(builtinUrl)
    .then(async (res) => {
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`.trimEnd());
      return new Uint8Array(await res.arrayBuffer());
    })
    .catch((e: unknown) => {
      loading = undefined; // the next call tries again
      throw new CharrnnError(
        `the built-in text could not be loaded (${e instanceof Error ? e.message : String(e)})`,
        'reload the page, or choose another text',
      );
    });
  return loading;
}

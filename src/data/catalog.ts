// The catalog of public texts charrnn can fetch by name (`charrnn download NAME`, a name wherever a text
// file is expected, the page's text choice): where each lives, and the SHA-256 its bytes must have. A
// mirror (CHARRNN_MIRROR in the CLI) serves every file flat, as `<mirror>/<name>.txt`.

export interface CatalogEntry {
  /** what users type */
  readonly name: string;
  readonly description: string;
  /** where it is published */
  readonly url: string;
  /** the hex SHA-256 of the file's bytes */
  readonly sha256: string;
  readonly bytes: number;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'tiny-shakespeare',
    description:
      "char-rnn's data/tinyshakespeare/input.txt: 40,000 lines of Shakespeare's plays (1,115,394 characters, 65 symbols; public domain)",
    url: 'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt',
    sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
    bytes: 1_115_394,
  },
];

export const CATALOG_NAMES: readonly string[] = CATALOG.map((e) => e.name);

export function findText(name: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.name === name);
}

/** Where to fetch an entry: its own URL, or `<mirror>/<name>.txt` when a mirror is given. */
export function catalogUrl(entry: CatalogEntry, mirror?: string): string {
  return mirror ? `${mirror.replace(/\/+$/, '')}/${entry.name}.txt` : entry.url;
}

// Writes dist/builtin-corpus.txt: the text `charrnn train` learns from when no file is given.
// It is this project's own writing (its README and its TypeScript sources), never a fetched data set.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const parts = [readFileSync(join(root, 'README.md'), 'utf8')];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.ts') && !entry.name.includes('.generated.'))
      parts.push(readFileSync(path, 'utf8'));
  }
};
walk(join(root, 'src'));
writeFileSync(join(root, 'dist', 'builtin-corpus.txt'), parts.join('\n'));

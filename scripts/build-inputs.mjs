// What `npm run build` reads, as one SHA-256: the sources (src/, assembly/), the build scripts, the
// README (the built-in corpus is made from it and from src/), the TypeScript configurations, package.json
// and package-lock.json (the compilers' versions). Files the build itself writes into src/ (`*.generated.*`)
// are left out. scripts/postbuild.mjs records it in dist/; scripts/prepare.mjs compares it to skip a
// rebuild that would write the same dist/.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAMP = 'dist/.build-inputs';
const FILES = ['README.md', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const FOLDERS = ['src', 'assembly', 'scripts'];
/** This repository (the scripts' parent folder). */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The hash of what a build in `root` reads (paths and contents, in a fixed order). */
export function buildInputsHash(root = ROOT) {
  const paths = FILES.map((f) => join(root, f)).filter((p) => existsSync(p));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !entry.name.includes('.generated.')) paths.push(path);
    }
  };
  for (const folder of FOLDERS) if (existsSync(join(root, folder))) walk(join(root, folder));
  const hash = createHash('sha256');
  for (const path of paths.map((p) => relative(root, p)).sort()) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Whether `root`'s dist/ was built from exactly the inputs there now (its CLI entry present). */
export function distUpToDate(root = ROOT) {
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'cli', 'main.js'))) return false;
  return readFileSync(stamp, 'utf8').trim() === buildInputsHash(root);
}

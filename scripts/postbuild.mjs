#!/usr/bin/env node
// Runs after `tsc -p tsconfig.build.json` in `npm run build`: makes the CLI entry executable, writes the
// built-in corpus (dist/builtin-corpus.txt) that `charrnn train` learns from when no file is given, and
// records the hash of the build's inputs (dist/.build-inputs), by which `npm install` skips a rebuild.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { buildInputsHash, STAMP } from './build-inputs.mjs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
await import('./builtin-corpus.mjs');
writeFileSync(new URL(`../${STAMP}`, import.meta.url), `${buildInputsHash()}\n`);

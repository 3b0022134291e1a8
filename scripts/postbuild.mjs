#!/usr/bin/env node
// Runs after `tsc -p tsconfig.build.json` in `npm run build`: makes the CLI entry executable and writes
// the built-in corpus (dist/builtin-corpus.txt) that `charrnn train` learns from when no file is given.
import { chmodSync, existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
await import('./builtin-corpus.mjs');

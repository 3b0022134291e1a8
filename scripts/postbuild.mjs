#!/usr/bin/env node
// Runs after `tsc -p tsconfig.build.json` in `npm run build`: makes the CLI entry executable when it exists.
import { chmodSync, existsSync } from 'node:fs';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);

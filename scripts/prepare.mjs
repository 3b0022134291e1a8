#!/usr/bin/env node
// `npm install`'s build step (package.json's "prepare"): runs `npm run build` unless dist/ was built from
// exactly the sources there now (scripts/build-inputs.mjs). npm runs "prepare" on every `npm install` and
// when `npx charrnn` first links this folder into its cache; without the check each of those rebuilt the
// WebAssembly and the TypeScript from unchanged sources (about 12 s). `npm run build` always rebuilds.
import { spawnSync } from 'node:child_process';
import { distUpToDate } from './build-inputs.mjs';

if (distUpToDate()) {
  console.log('charrnn: dist/ is up to date with the sources; not rebuilding (npm run build forces it)');
} else {
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status ?? 1);
}

// The fuzz targets by name: the in-process ones `npm run fuzz` runs by default, and the CLI's, which
// spawns the real command line and runs only when asked for (--target cli).
import { checkpointTarget } from './checkpoint.js';
import { cliTarget } from './cli.js';
import type { Target } from './harness.js';
import { optionsTarget } from './options.js';
import { textTarget } from './text.js';
import { torchTarget } from './torch.js';

export const TARGETS: Record<string, Target> = {
  checkpoint: checkpointTarget,
  torch: torchTarget,
  text: textTarget,
  options: optionsTarget,
  cli: cliTarget,
};

/** What `npm run fuzz` runs without --target. */
export const DEFAULT_TARGETS = ['checkpoint', 'torch', 'text', 'options'];

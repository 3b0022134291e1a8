// node --import tsx bench/large-corpus.ts SIZE_MB [SOURCE] : writes a SIZE_MB text file (SOURCE repeated,
// default tiny-shakespeare beside the repository, else the built-in corpus) to the temp folder, then,
// in a fresh process, reads and encodes it (streaming, ids in the narrowest typed array), trains 200
// iterations of the seed configuration on it, and reports start-up MB/s and peak memory (max RSS).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.argv[2] === '--child') {
  const { readCorpus } = await import('../src/node/io.js');
  const { initKernels } = await import('../src/kernels/index.js');
  const { Trainer } = await import('../src/training/trainer.js');
  await initKernels();
  const path = process.argv[3];
  const t0 = performance.now();
  const corpus = readCorpus(path);
  const readSeconds = (performance.now() - t0) / 1000;
  const trainer = Trainer.create(corpus, { seed: 1, sampleEvery: 100 });
  const t1 = performance.now();
  for (let i = 0; i < 200; i++) trainer.step();
  const trainSeconds = (performance.now() - t1) / 1000;
  const bytes = statSync(path).size;
  console.log(
    JSON.stringify({
      bytes,
      characters: corpus.ids.length,
      vocab: corpus.vocab.size,
      idArray: corpus.ids.constructor.name,
      readSeconds,
      readMBps: bytes / 1e6 / readSeconds,
      iterPerSecond: 200 / trainSeconds,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      smoothLoss: trainer.smoothLoss,
    }),
  );
} else {
  const sizeMB = Number(process.argv[2] ?? 500);
  const shakespeare = new URL('../../shared/data/tinyshakespeare.txt', import.meta.url).pathname;
  const source =
    process.argv[3] ??
    (existsSync(shakespeare) ? shakespeare : new URL('../dist/builtin-corpus.txt', import.meta.url).pathname);
  const chunk = readFileSync(source);
  const path = join(tmpdir(), `charrnn-large-${sizeMB}MB.txt`);
  const target = sizeMB * 1e6;
  const fd = openSync(path, 'w');
  for (let written = 0; written < target; )
    written += writeSync(fd, chunk, 0, Math.min(chunk.length, target - written));
  closeSync(fd);
  console.log(`wrote ${path} (${sizeMB} MB of ${source} repeated)`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', path],
    { encoding: 'utf8' },
  );
  unlinkSync(path);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.status ?? 1;
}

// 'charrnn/node': what Node adds to the browser-safe core: worker threads for data-parallel training
// (`Trainer.create(corpus, settings, nodeHost)`), and files: corpora read in a streaming pass, checkpoints
// written atomically.
export { prepareSavePath, readBytes, readCorpus, readText, saveOrRescue, writeFileAtomic } from './io.js';
export { nodeHost } from './threads.js';

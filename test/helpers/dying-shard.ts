// A shard worker that dies when the Nth command reaches it (N from CHARRNN_TEST_DIE_AT; 0: before it
// starts serving): it exits (process.exit(3)), or with CHARRNN_TEST_DIE_HOW=throw, crashes (an exception
// no one catches); or with CHARRNN_TEST_DIE_HOW=fail, lives on but fails that command (an exception its
// command loop catches and reports, as when its replica cannot grow its memory). With
// CHARRNN_TEST_DIE_ON=C, only commands of code C count (2: an evaluation's Loss). The real entry, src/node/shard-worker.ts, with its wait for a command counted; for
// test/training/dead-worker.test.ts (the keeper terminating a worker is the third way, CHARRNN_TEST_KILL_SHARD).
const at = Number(process.env.CHARRNN_TEST_DIE_AT);
const on =
  process.env.CHARRNN_TEST_DIE_ON === undefined ? undefined : Number(process.env.CHARRNN_TEST_DIE_ON);
const die = (): never => {
  if (process.env.CHARRNN_TEST_DIE_HOW === 'throw') throw new Error('a crash on purpose');
  process.exit(3);
};
if (at === 0) die();
const wait = Atomics.wait;
let commands = 0;
Atomics.wait = (array, index, value, timeout) => {
  const woke = wait(array as Int32Array, index, value as number, timeout);
  // runShard waits for each command on index 0 of the control array, and for nothing else
  // the command's code is at index 1 (runShard's Cmd)
  if (index === 0 && (on === undefined || Atomics.load(array as Int32Array, 1) === on) && ++commands >= at) {
    if (process.env.CHARRNN_TEST_DIE_HOW !== 'fail') die();
    failing = true;
  }
  return woke;
};
// a Grad or Loss command first copies its inputs (Int32Array.set): the failure comes from there
let failing = false;
const set = Int32Array.prototype.set;
Int32Array.prototype.set = function (this: Int32Array, ...args: Parameters<Int32Array['set']>) {
  if (failing) throw new Error('a failure on purpose');
  return set.apply(this, args);
};
await import('../../src/node/shard-worker.js');

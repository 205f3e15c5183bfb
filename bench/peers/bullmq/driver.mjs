// BullMQ side of the Errand benchmark: the same roles and line protocol as Errand's driver
// (connect, print "@ready", wait for "go" on stdin, work, print "@result {json}", exit when stdin closes).
// Uses BullMQ as its docs show: Queue.add for each job, a Worker with a concurrency, 'completed' events.
//   node driver.mjs enqueue --redis HOST:PORT --n N --inflight K --fn noop|sleep
//   node driver.mjs enqueue --redis HOST:PORT --n N --bulk K --fn noop   (Queue.addBulk, K jobs a call)
//   node driver.mjs work    --redis HOST:PORT --n N --concurrency C
//   node driver.mjs latency --redis HOST:PORT --n N --concurrency C
import { Queue, Worker } from 'bullmq';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const [role, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, '')] = rest[i + 1];
const [host, port] = args.redis.split(':');
const connection = { host, port: Number(port) };
const n = Number(args.n ?? 1000);
const queueName = 'bench';

const lines = createInterface({ input: process.stdin });
const iterator = lines[Symbol.asyncIterator]();
async function ready() {
  process.stdout.write('@ready\n');
  const { value } = await iterator.next();
  if (value !== 'go') throw new Error(`expected 'go', got '${value}'`);
}
function result(value) {
  process.stdout.write(`@result ${JSON.stringify(value)}\n`);
}
async function waitForClose() {
  while (!(await iterator.next()).done) { /* until stdin closes */ }
}

const processor = async (job) => {
  if (job.name === 'sleep') await sleep(100);
  else if (job.name === 'latency') job.data.seen(job);
};

if (role === 'enqueue') {
  const queue = new Queue(queueName, { connection });
  await queue.waitUntilReady();
  await ready();
  const inflight = Number(args.inflight ?? 20);
  const bulk = Number(args.bulk ?? 0);
  const fn = args.fn ?? 'noop';
  let next = 0;
  const started = performance.now();
  if (bulk > 0) {
    for (let sent = 0; sent < n; sent += bulk) {
      await queue.addBulk(Array.from({ length: Math.min(bulk, n - sent) }, () => ({ name: fn, data: {} })));
    }
  } else {
    await Promise.all(Array.from({ length: inflight }, async () => {
      while (next++ < n) await queue.add(fn, {});
    }));
  }
  result({ seconds: (performance.now() - started) / 1000 });
  await queue.close();
} else if (role === 'work') {
  // The run's second half is measured apart too (time and process CPU from the job at half the count to the last),
  // as the Errand and Hangfire drivers do.
  const half = Math.floor(n / 2);
  const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let count = 0;
  let halfAt = 0, halfCpu = 0, secondHalfSeconds = 0, secondHalfCpuSeconds = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const counted = () => {
    ++count;
    if (count === half) { halfAt = performance.now(); halfCpu = cpuSeconds(); }
    if (count === n) {
      if (half > 0) { secondHalfSeconds = (performance.now() - halfAt) / 1000; secondHalfCpuSeconds = cpuSeconds() - halfCpu; }
      done();
    }
  };
  const worker = new Worker(queueName, async (job) => {
    if (job.name === 'sleep') await sleep(100);
  }, { connection, concurrency: Number(args.concurrency ?? 10), autorun: false });
  // 'completed' fires once the job's outcome is stored in Redis.
  worker.on('completed', counted);
  worker.on('failed', (job, err) => { process.stderr.write(`failed: ${err}\n`); counted(); });
  await worker.waitUntilReady();
  await ready();
  const started = performance.now();
  worker.run();
  await finished;
  result({
    seconds: (performance.now() - started) / 1000,
    second_half_seconds: secondHalfSeconds,
    second_half_cpu_seconds: secondHalfCpuSeconds,
  });
  await worker.close();
} else if (role === 'latency') {
  const latencies = new Array(n).fill(0);
  let signal;
  const queue = new Queue(queueName, { connection });
  const worker = new Worker(queueName, async (job) => {
    latencies[job.data.i] = performance.now() - job.data.t;
    signal();
  }, { connection, concurrency: Number(args.concurrency ?? 10) });
  await queue.waitUntilReady();
  await worker.waitUntilReady();
  await ready();
  await sleep(500);
  for (let i = 0; i < n; i++) {
    const started = new Promise((resolve) => { signal = resolve; });
    await queue.add('latency', { t: performance.now(), i });
    await started;
    await sleep(2);
  }
  result({ latencies_ms: latencies });
  await worker.close();
  await queue.close();
} else {
  throw new Error(`unknown role '${role}'`);
}

await waitForClose();
process.exit(0);

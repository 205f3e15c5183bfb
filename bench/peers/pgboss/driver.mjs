// pg-boss side of the Errand benchmark's PostgreSQL run: the same roles and line protocol as Errand's driver
// (connect, print "@ready", wait for "go" on stdin, work, print "@result {json}", exit when stdin closes).
// Uses pg-boss as its docs show: boss.send for each job, boss.insert for a bulk, boss.work with a batch.
//   node driver.mjs enqueue --url postgresql://USER@HOST:PORT/DB --n N --inflight K --fn noop|sleep
//   node driver.mjs enqueue --url ... --n N --bulk K --fn noop   (boss.insert, K jobs a call)
//   node driver.mjs work    --url ... --n N --concurrency C
//   node driver.mjs latency --url ... --n N --concurrency C
//
// Settings (bench/README.md, "PostgreSQL"): LISTEN/NOTIFY on (useListenNotify, and notify on the queue), so that an
// idle worker wakes when a job is sent; both polling intervals at 0.5 s, the smallest pg-boss takes. A worker is
// one fetch loop taking batches of C jobs (batchSize = the workload's concurrency) that fetches again at once while
// its batches come back full (burstWhenBatchFull): pg-boss otherwise waits out its polling interval after every
// fetch, jobs or not. ERRAND_BENCH_POLL_ONLY=1 turns LISTEN/NOTIFY off.
import { PgBoss } from 'pg-boss';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const [role, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, '')] = rest[i + 1];
const n = Number(args.n ?? 1000);
const queueName = 'bench';
const notify = process.env.ERRAND_BENCH_POLL_ONLY !== '1';
const polling = { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 };

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

// A job counts once its outcome is stored. pg-boss completes a batch after its handler returns and has no event for
// it, so the count comes from its OpenTelemetry spans (its own 'openTelemetry.tracerProvider' option): the span of a
// 'complete' or 'fail' call ends after that call's SQL has returned, and carries the batch's size.
function countingTracer(onSettled) {
  const spanContext = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 };
  class SettleSpan {
    constructor(attributes) { this.attributes = { ...attributes }; this.failed = false; }
    spanContext() { return spanContext; }
    setAttribute(key, value) { this.attributes[key] = value; return this; }
    setAttributes(attributes) { Object.assign(this.attributes, attributes); return this; }
    addEvent() { return this; }
    addLink() { return this; }
    addLinks() { return this; }
    setStatus(status) { if (status?.code === 2) this.failed = true; return this; }
    updateName() { return this; }
    recordException() { }
    isRecording() { return true; }
    end() {
      const operation = this.attributes['messaging.operation.name'];
      if (!this.failed && (operation === 'complete' || operation === 'fail')) {
        onSettled(this.attributes['messaging.batch.message_count'] ?? 1);
      }
    }
  }
  const tracer = {
    startSpan: (_name, options) => new SettleSpan(options?.attributes),
    startActiveSpan: (name, ...rest) => { const fn = rest.at(-1); return fn(tracer.startSpan(name, rest.length > 1 ? rest[0] : undefined)); },
  };
  return { getTracer: () => tracer };
}

async function start(options = {}) {
  const boss = new PgBoss({ connectionString: args.url, useListenNotify: notify, ...options });
  boss.on('error', (err) => process.stderr.write(`pg-boss error: ${err?.message ?? err}\n`));
  await boss.start();
  if (!(await boss.getQueue(queueName))) await boss.createQueue(queueName, { notify });
  return boss;
}

if (role === 'enqueue') {
  const boss = await start();
  await ready();
  const inflight = Number(args.inflight ?? 20);
  const bulk = Number(args.bulk ?? 0);
  const fn = args.fn ?? 'noop';
  let next = 0;
  const started = performance.now();
  if (bulk > 0) {
    for (let sent = 0; sent < n; sent += bulk) {
      await boss.insert(queueName, Array.from({ length: Math.min(bulk, n - sent) }, () => ({ data: { fn } })));
    }
  } else {
    await Promise.all(Array.from({ length: inflight }, async () => {
      while (next++ < n) await boss.send(queueName, { fn });
    }));
  }
  result({ seconds: (performance.now() - started) / 1000 });
  await boss.stop({ graceful: false });
} else if (role === 'work') {
  // The run's second half is measured apart too (time and process CPU from the job at half the count to the last),
  // as the other drivers do.
  const half = Math.floor(n / 2);
  const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let count = 0;
  let halfAt = 0, halfCpu = 0, secondHalfSeconds = 0, secondHalfCpuSeconds = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const counted = (jobs) => {
    const before = count;
    count += jobs;
    if (before < half && count >= half) { halfAt = performance.now(); halfCpu = cpuSeconds(); }
    if (before < n && count >= n) {
      if (half > 0) { secondHalfSeconds = (performance.now() - halfAt) / 1000; secondHalfCpuSeconds = cpuSeconds() - halfCpu; }
      done();
    }
  };
  const boss = await start({ openTelemetry: { tracerProvider: countingTracer(counted) } });
  const concurrency = Number(args.concurrency ?? 10);
  await ready();
  const started = performance.now();
  await boss.work(queueName, { batchSize: concurrency, burstWhenBatchFull: true, ...polling }, async (jobs) => {
    await Promise.all(jobs.map((job) => (job.data.fn === 'sleep' ? sleep(100) : undefined)));
  });
  await finished;
  result({
    seconds: (performance.now() - started) / 1000,
    second_half_seconds: secondHalfSeconds,
    second_half_cpu_seconds: secondHalfCpuSeconds,
  });
  await boss.stop({ graceful: false });
} else if (role === 'latency') {
  const latencies = new Array(n).fill(0);
  let signal;
  const boss = await start();
  const concurrency = Number(args.concurrency ?? 10);
  await boss.work(queueName, { batchSize: concurrency, burstWhenBatchFull: true, ...polling }, async (jobs) => {
    for (const job of jobs) {
      latencies[job.data.i] = performance.now() - job.data.t;
      signal();
    }
  });
  await ready();
  await sleep(500);
  for (let i = 0; i < n; i++) {
    const started = new Promise((resolve) => { signal = resolve; });
    await boss.send(queueName, { t: performance.now(), i });
    await started;
    await sleep(2);
  }
  result({ latencies_ms: latencies });
  await boss.stop({ graceful: false });
} else {
  throw new Error(`unknown role '${role}'`);
}

await waitForClose();
process.exit(0);

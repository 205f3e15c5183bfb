using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Errand.Bench;
using Errand.Bench.Hangfire;

// Hangfire side of the Errand benchmark: the same roles and line protocol as Errand's driver
// (connect, print "@ready", wait for "go" on stdin, work, print "@result {json}", exit when stdin closes).
// Uses Hangfire as its docs show: BackgroundJobClient.Enqueue of a method call, a BackgroundJobServer with WorkerCount.
// Compiled twice: here with Redis storage (--redis HOST:PORT), and in ../hangfire-postgres with PostgreSQL storage
// (--url postgresql://...); each project's BenchStorage.cs makes the storage.
//   enqueue --redis HOST:PORT --n N --inflight K --fn noop|sleep
//   work    --redis HOST:PORT --n N --concurrency C
//   latency --redis HOST:PORT --n N --concurrency C
//   transaction --url postgresql://... --n N --inflight K     (PostgreSQL only: a row and a job in one TransactionScope)
var role = args[0];
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

var n = int.Parse(options.GetValueOrDefault("n", "1000"), CultureInfo.InvariantCulture);
var storage = BenchStorage.Create(options);
GlobalConfiguration.Configuration.UseStorage(storage);
var client = new BackgroundJobClient(storage);
switch (role)
{
    case "enqueue":
    {
        var inflight = int.Parse(options.GetValueOrDefault("inflight", "20"), CultureInfo.InvariantCulture);
        var sleep = options.GetValueOrDefault("fn", "noop") == "sleep";
        await Protocol.ReadyAsync();
        var next = -1;
        var started = Stopwatch.GetTimestamp();

        // Hangfire's client API is synchronous: K threads, each enqueueing one job at a time.
        var threads = Enumerable.Range(0, inflight).Select(_ => Task.Factory.StartNew(
            () =>
            {
                while (Interlocked.Increment(ref next) < n)
                {
                    if (sleep)
                    {
                        client.Enqueue(() => BenchJobs.Sleep());
                    }
                    else
                    {
                        client.Enqueue(() => BenchJobs.Noop());
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(threads);
        Protocol.Result(("seconds", Stopwatch.GetElapsedTime(started).TotalSeconds));
        break;
    }

    case "work":
    {
        var counter = new CompletionCounter(n);
        GlobalJobFilters.Filters.Add(counter);
        await Protocol.ReadyAsync();
        var started = Stopwatch.GetTimestamp();
        var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = Concurrency(options) }, storage);
        await counter.Done.Task;
        Protocol.Result(
            ("seconds", Stopwatch.GetElapsedTime(started).TotalSeconds),
            ("second_half_seconds", counter.SecondHalfSeconds),
            ("second_half_cpu_seconds", counter.SecondHalfCpuSeconds));
        _ = server;
        break;
    }

    case "latency":
    {
        BenchJobs.Latencies = new double[n];
        var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = Concurrency(options) }, storage);
        await Protocol.ReadyAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            var index = i;
            client.Enqueue(() => BenchJobs.Latency(t, index));
            if (!await BenchJobs.Started.WaitAsync(TimeSpan.FromSeconds(30)))
            {
                // Not started within 30 s: count it as 30 s and go on, rather than hang the run.
                await Console.Error.WriteLineAsync($"latency job {index} did not start within 30 s");
                BenchJobs.Latencies[index] = 30_000;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(2));
        }

        Protocol.Result("latencies_ms", BenchJobs.Latencies);
        _ = server;
        break;
    }

    case "transaction":
        await BenchStorage.TransactionsAsync(options, client, n, int.Parse(options.GetValueOrDefault("inflight", "20"), CultureInfo.InvariantCulture));
        break;

    default:
        throw new ArgumentException($"unknown role '{role}'");
}

while (await Console.In.ReadLineAsync() is not null)
{
}

// Skip the server's graceful shutdown (up to 15 s): the measurement is over.
Environment.Exit(0);

static int Concurrency(Dictionary<string, string> options) => int.Parse(options.GetValueOrDefault("concurrency", "10"), CultureInfo.InvariantCulture);

namespace Errand.Bench.Hangfire
{
    public static class BenchJobs
    {
        public static double[] Latencies { get; set; } = [];

        public static SemaphoreSlim Started { get; } = new(0);

        public static void Noop()
        {
        }

        public static async Task Sleep() => await Task.Delay(TimeSpan.FromMilliseconds(100));

        public static void Latency(long sent, int index)
        {
            Latencies[index] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            Started.Release();
        }
    }

    /// <summary>Counts jobs as they move to Succeeded (or Failed), in the transaction that stores the state.</summary>
    internal sealed class CompletionCounter(int n) : JobFilterAttribute, IApplyStateFilter
    {
        private readonly JobCounter _counter = new(n);

        public TaskCompletionSource Done => _counter.Done;

        public double SecondHalfSeconds => _counter.SecondHalfSeconds;

        public double SecondHalfCpuSeconds => _counter.SecondHalfCpuSeconds;

        public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
            if (context.NewState is SucceededState or FailedState)
            {
                _counter.Count();
            }
        }

        public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
        {
        }
    }
}

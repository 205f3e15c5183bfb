using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Errand.Backends;
using Errand.Postgres;
using Errand.Redis;

namespace Errand.Bench;

/// <summary>
/// The Errand side of every workload, run as a child process of the harness so that its CPU and memory are its own.
/// Same protocol as the peers' drivers: connect, print <c>@ready</c>, wait for <c>go</c> on stdin, do the work,
/// print <c>@result {json}</c>, then wait for stdin to close (the harness reads /proc before that).
/// </summary>
internal static class ErrandDriver
{
    private const string QueueName = "bench";

    /// <summary>The backends the driver opens a URL with: one line per engine.</summary>
    public static IQueueStoreProvider[] Providers { get; } = [RedisQueueStoreProvider.Instance, PostgresQueueStoreProvider.Instance];

    public static async Task<int> RunAsync(string role, Args args)
    {
        // --url SCHEME://...; --redis HOST:PORT is the older form (bench/loop-b.sh, bench/redis-instructions.sh).
        var url = args.Value("url") ?? "redis://" + args.Required("redis");
        var n = args.Int("n", 1000);
        if (role == "roundtrip")
        {
            await (QueueStoreSchemes.SchemeOf(url) is "postgres" or "postgresql" ? PostgresRoundTrip.RunAsync(url, n) : RoundTripAsync(url, n));
            await Protocol.WaitForCloseAsync();
            return 0;
        }

        if (role == "outbox")
        {
            await TransactionWorkloads.OutboxRelayAsync(url, n);
            await Protocol.WaitForCloseAsync();
            return 0;
        }

        // Opened as the worker host and the errand command open a URL: the scheme picks the backend.
        await using var store = await new QueueStoreSchemes(Providers).ConnectAsync(url, new QueueStoreOptions { FailFast = true }, CancellationToken.None);
        // --queue NAME: another queue than "bench" (on a Redis Cluster, a hash-tagged one such as {a}).
        await using var queue = new Queue(await store.OpenBackendAsync(args.Value("queue") ?? QueueName, CancellationToken.None));
        switch (role)
        {
            case "enqueue" when args.Int("bulk", 0) > 0:
                await EnqueueBulkAsync(queue, n, args.Int("bulk", 0), args.Value("fn") ?? "noop");
                break;
            case "enqueue":
                await EnqueueAsync(queue, n, args.Int("inflight", 20), args.Value("fn") ?? "noop", args.Int("keys", 0));
                break;
            case "work":
                await SetLimitsAsync(queue, args);
                await WorkAsync(queue, n, args.Int("concurrency", 10));
                break;
            case "latency":
                await LatencyAsync(queue, n, args.Int("concurrency", 10));
                break;
            case "transaction":
                await TransactionWorkloads.TransactionsAsync(url, queue, n, args.Int("inflight", 20));
                break;
            default:
                throw new ArgumentException($"unknown driver role '{role}'");
        }

        await Protocol.WaitForCloseAsync();
        return 0;
    }

    // With keys > 0, job i gets the group key k(i mod keys) (the limits row of bench/README.md).
    private static async Task EnqueueAsync(Queue queue, int n, int inflight, string function, int keys)
    {
        await Protocol.ReadyAsync();
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        var loops = Enumerable.Range(0, inflight).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < n)
            {
                await queue.EnqueueAsync(function, options: keys > 0 ? new JobOptions { GroupKey = $"k{i % keys}" } : null);
            }
        });
        await Task.WhenAll(loops);
        Protocol.Result(("seconds", Stopwatch.GetElapsedTime(started).TotalSeconds));
    }

    // The bulk API: calls of `size` jobs, one after the other.
    private static async Task EnqueueBulkAsync(Queue queue, int n, int size, string function)
    {
        await Protocol.ReadyAsync();
        var started = Stopwatch.GetTimestamp();
        for (var sent = 0; sent < n; sent += size)
        {
            await queue.EnqueueManyAsync(function, Enumerable.Repeat<object?>(null, Math.Min(size, n - sent)));
        }

        Protocol.Result(("seconds", Stopwatch.GetElapsedTime(started).TotalSeconds));
    }

    // The limits row: --fn-limit N (noop's concurrency), --key-limit N (every group key's), --rate N and --period-ms P
    // (noop's starts per period); stored before the worker starts, as a worker with QueueOptions.Limits does.
    private static async Task SetLimitsAsync(Queue queue, Args args)
    {
        var limits = new QueueLimits();
        if (args.Int("fn-limit", 0) is > 0 and var fn)
        {
            limits.Functions["noop"] = new Limit { Concurrency = fn };
        }

        if (args.Int("rate", 0) is > 0 and var rate)
        {
            var noop = limits.Functions.TryGetValue("noop", out var existing) ? existing : limits.Functions["noop"] = new Limit();
            noop.Rate = rate;
            noop.Period = TimeSpan.FromMilliseconds(args.Int("period-ms", 1000));
        }

        if (args.Int("key-limit", 0) is > 0 and var key)
        {
            limits.Keys = new Limit { Concurrency = key };
        }

        if (!limits.IsEmpty)
        {
            await queue.Backend.SetLimitsAsync(limits, CancellationToken.None);
        }
    }

    private static async Task WorkAsync(Queue queue, int n, int concurrency)
    {
        var counter = new JobCounter(n);
        using var worker = new Worker(queue, Functions(), new WorkerOptions { Concurrency = concurrency });

        // Start times, for the rate limiter's accuracy: the most starts in any second, and the mean rate.
        var starts = new long[n];
        var startCount = -1;
        worker.Hooks.BeforeProcess.Add(_ =>
        {
            var i = Interlocked.Increment(ref startCount);
            if (i < n)
            {
                starts[i] = Stopwatch.GetTimestamp();
            }

            return Task.CompletedTask;
        });

        // Counted after the outcome is stored: a job is processed when its result is in Redis.
        worker.Hooks.AfterProcess.Add((_, _) =>
        {
            counter.Count();
            return Task.CompletedTask;
        });
        await Protocol.ReadyAsync();
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var collections = GC.CollectionCount(0);
        var workItems = ThreadPool.CompletedWorkItemCount;
        var run = worker.RunAsync(stop.Token);
        await counter.Done.Task;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Protocol.Result(
            ("seconds", seconds),
            ("second_half_seconds", counter.SecondHalfSeconds),
            ("second_half_cpu_seconds", counter.SecondHalfCpuSeconds),
            ("allocated_bytes_per_job", (GC.GetTotalAllocatedBytes(precise: true) - allocated) / n),
            ("gen0_collections", GC.CollectionCount(0) - collections),
            ("thread_pool_items_per_job", (double)(ThreadPool.CompletedWorkItemCount - workItems) / n),
            ("max_starts_in_a_second", MaxStartsInASecond(starts, Math.Min(n, startCount + 1))),
            ("starts_per_second", StartsPerSecond(starts, Math.Min(n, startCount + 1))));
        await stop.CancelAsync();
        await run;
    }

    private static int MaxStartsInASecond(long[] starts, int count)
    {
        var sorted = starts[..count];
        Array.Sort(sorted);
        var max = 0;
        for (int first = 0, last = 0; last < sorted.Length; last++)
        {
            while (sorted[last] - sorted[first] >= Stopwatch.Frequency)
            {
                first++;
            }

            max = Math.Max(max, last - first + 1);
        }

        return max;
    }

    private static double StartsPerSecond(long[] starts, int count)
    {
        if (count < 2)
        {
            return 0;
        }

        var sorted = starts[..count];
        Array.Sort(sorted);
        return (count - 1) / ((double)(sorted[^1] - sorted[0]) / Stopwatch.Frequency);
    }

    private static async Task LatencyAsync(Queue queue, int n, int concurrency)
    {
        var latencies = new double[n];
        var seen = 0;
        var signal = new SemaphoreSlim(0);
        var functions = Functions().Add<JsonElement>("latency", (args, _) =>
        {
            var sent = args.GetProperty("t").GetInt64();
            var i = args.GetProperty("i").GetInt32();
            latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            Interlocked.Increment(ref seen);
            signal.Release();
            return Task.CompletedTask;
        });
        using var worker = new Worker(queue, functions, new WorkerOptions { Concurrency = concurrency });
        using var stop = new CancellationTokenSource();
        var run = worker.RunAsync(stop.Token);
        await Protocol.ReadyAsync();

        // The worker is idle and blocked on its wait; each job goes in alone, after the previous one has started.
        await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System);
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await queue.EnqueueAsync("latency", new Dictionary<string, long> { ["t"] = t, ["i"] = i });
            await signal.WaitAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(2), TimeProvider.System);
        }

        Protocol.Result("latencies_ms", latencies);
        await stop.CancelAsync();
        await run;
        signal.Dispose();
    }

    // The floor of workload C on this machine: one PING over a plain socket, paced as the latency jobs are. Every
    // system's latency holds at least one such round trip (the enqueue) and a wake-up of an idle process.
    private static async Task RoundTripAsync(string url, int n)
    {
        var uri = new Uri(url);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(uri.Host, uri.Port);
        var ping = "*1\r\n$4\r\nPING\r\n"u8.ToArray();
        var reply = new byte[16];
        var latencies = new double[n];
        await Protocol.ReadyAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System);
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await socket.SendAsync(ping);
            for (var read = 0; read < "+PONG\r\n".Length;)
            {
                var got = await socket.ReceiveAsync(reply.AsMemory(read));
                read += got > 0 ? got : throw new IOException("redis-server closed the connection");
            }

            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromMilliseconds(2), TimeProvider.System);
        }

        Protocol.Result("latencies_ms", latencies);
    }

    private static JobFunctions Functions() => new JobFunctions()
        .Add("noop", _ => Task.CompletedTask)
        .Add("sleep", context => Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, context.CancellationToken));
}

/// <summary>Command-line options: <c>--name value</c> pairs and flags.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _values[pending] = null;
                }

                pending = arg[2..];
            }
            else if (pending is not null)
            {
                _values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }

        if (pending is not null)
        {
            _values[pending] = null;
        }
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? Value(string name) => _values.TryGetValue(name, out var value) ? value : null;

    public string Required(string name) => Value(name) ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int defaultValue) =>
        Value(name) is { } value ? int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) : defaultValue;
}

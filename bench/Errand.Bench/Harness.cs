using System.Diagnostics;
using System.Globalization;

namespace Errand.Bench;

/// <summary>Runs workloads A-D on each system, one system at a time, against one server of its own (redis-server or PostgreSQL), and reports.</summary>
internal static class Harness
{
    // Hangfire on PostgreSQL takes minutes for B's 20,000 jobs on 2 cores.
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(Args args)
    {
        var quick = args.Flag("quick");
        var engine = args.Value("engine") ?? "redis";
        if (engine is not ("redis" or "postgres"))
        {
            throw new ArgumentException($"unknown engine '{engine}' (redis, postgres)");
        }

        var n = args.Int("n", quick ? 2000 : 20_000);
        var runs = args.Int("runs", quick ? 1 : 3);
        var systems = Systems(args, readyToRun: !args.Flag("jit"), engine);
        var sizes = new Sizes(A: Math.Min(1000, n), B: n, C: Math.Min(300, n));
        var workloads = (args.Value("workloads") ?? "A,B,C,E").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var root = FindRoot();
        var started = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        string? postgresBin = null;
        if (engine == "postgres" && (postgresBin = BenchPostgres.FindBinaries()) is null)
        {
            // As the test fixtures do: a missing server is a skip with its reason, and a failure where servers are required.
            var required = Environment.GetEnvironmentVariable("ERRAND_REQUIRE_SERVERS") == "1";
            await Console.Error.WriteLineAsync($"{(required ? "error" : "skipped")}: no PostgreSQL (initdb and pg_ctl on the PATH, in /usr/lib/postgresql/*/bin or in ERRAND_PG_BIN)");
            return required ? 1 : 0;
        }

        foreach (var system in systems)
        {
            await system.PrepareAsync(root);
        }

        await using BenchServer server = postgresBin is null ? await BenchRedis.StartAsync() : await BenchPostgres.StartAsync(postgresBin);
        await Console.Error.WriteLineAsync($"{server.Description}, on {server.Endpoint}; systems: {string.Join(", ", systems.Select(s => s.Name))}; N={n}, runs={runs}");
        var results = new Results();
        foreach (var system in systems)
        {
            if (system.Unsupported(server) is { } why)
            {
                await Console.Error.WriteLineAsync($"{system.Display}: not run on {server.Display}: {why}");
                results.For(system.Name).Skipped = why;
            }
        }

        for (var run = 1; run <= runs; run++)
        {
            foreach (var system in systems)
            {
                await Console.Error.WriteLineAsync($"run {run}/{runs}: {system.Display}");
                try
                {
                    if (results.For(system.Name).Skipped is null)
                    {
                        await RunWorkloadsAsync(system, server, sizes, workloads, results.For(system.Name));
                    }
                    else if (system is ErrandSystem)
                    {
                        // The floor needs no backend: it is measured even when Errand cannot run on this engine.
                        await server.ResetAsync();
                        await RunFloorAsync(system, server, sizes, results.For(system.Name));
                    }
                }
                catch (InvalidOperationException ex)
                {
                    // A system that fails a run loses that run's remaining figures, not the whole report.
                    var first = ex.Message.Split('\n')[0];
                    await Console.Error.WriteLineAsync($"run {run}/{runs}: {system.Display} failed: {first}");
                    results.For(system.Name).Failures.Add($"run {run}: {first}");
                }
            }
        }

        var commands = new Dictionary<string, CommandCount>(StringComparer.Ordinal);
        if (server is BenchRedis redis && !args.Flag("no-monitor"))
        {
            foreach (var system in systems)
            {
                await Console.Error.WriteLineAsync($"counting Redis commands: {system.Display}");
                try
                {
                    commands[system.Name] = await CountCommandsAsync(system, redis, sizes.A);
                }
                catch (InvalidOperationException ex)
                {
                    await Console.Error.WriteLineAsync($"counting Redis commands: {system.Display} failed: {ex.Message.Split('\n')[0]}");
                }
            }
        }

        // Any option but the engine makes a run partial; the engine names the file.
        var options = Environment.GetCommandLineArgs().Skip(1).ToList();
        var partial = options.Count > (args.Value("engine") is null ? 0 : 2);
        var machine = new Machine(
            Environment.ProcessorCount,
            MemoryGiB(),
            CpuModel(),
            server.Description,
            await GitAsync(root, "rev-parse", "--short", "HEAD"),
            (await GitAsync(root, "status", "--porcelain", "--", "src", "bench", ":(exclude)bench/results")).Length > 0,
            loadBefore,
            LoadAverage(),
            started.Elapsed,
            options.Count > 0 ? string.Join(' ', options) : "(no options: the full run)");
        var report = Report.Render(systems, results, commands, sizes, runs, machine, server);
        Console.WriteLine(report);
        if (!args.Flag("no-save"))
        {
            var directory = Path.Combine(root, "bench", "results");
            Directory.CreateDirectory(directory);
            var name = $"{TimeProvider.System.GetUtcNow():yyyy-MM-dd}-{machine.Commit}{(machine.Dirty ? "-dirty" : string.Empty)}{(engine == "redis" ? string.Empty : "-" + engine)}{(partial ? "-partial" : string.Empty)}.md";
            await File.WriteAllTextAsync(Path.Combine(directory, name), report);
            await Console.Error.WriteLineAsync($"written: bench/results/{name}");
        }

        return 0;
    }

    private static async Task RunWorkloadsAsync(BenchSystem system, BenchServer server, Sizes sizes, HashSet<string> workloads, SystemResults results)
    {
        if (workloads.Contains("A"))
        {
            await RunAAsync(system, server, sizes, results);
        }

        if (workloads.Contains("B"))
        {
            await RunBAsync(system, server, sizes, results);
        }

        if (workloads.Contains("C"))
        {
            await RunCAsync(system, server, sizes, results);
        }

        if (workloads.Contains("E"))
        {
            await RunEAsync(system, server, sizes, results);
        }

        if (system is ErrandSystem && workloads.Contains("C"))
        {
            await RunFloorAsync(system, server, sizes, results);
        }
    }

    private static async Task RunAAsync(BenchSystem system, BenchServer server, Sizes sizes, SystemResults results)
    {
        // A: enqueue N with 20 in flight; process those N no-op jobs with concurrency 10.
        await server.ResetAsync();
        results.Add(Metric.AEnqueue, (await OnceAsync(system, "enqueue", server, sizes.A, ["--inflight", "20", "--fn", "noop"])).Seconds);
        results.Add(Metric.ANoop, (await OnceAsync(system, "work", server, sizes.A, ["--concurrency", "10"])).Seconds);

        // A: N jobs that each wait 100 ms, concurrency 10.
        await server.ResetAsync();
        await OnceAsync(system, "enqueue", server, sizes.A, ["--inflight", "20", "--fn", "sleep"]);
        results.Add(Metric.ASleep, (await OnceAsync(system, "work", server, sizes.A, ["--concurrency", "10"])).Seconds);
    }

    private static async Task RunBAsync(BenchSystem system, BenchServer server, Sizes sizes, SystemResults results)
    {
        // B and D: N no-op jobs, 50 enqueues in flight, then concurrency 50; the worker's CPU and peak memory; the server's CPU.
        await server.ResetAsync();
        var cpu0 = await server.CpuSecondsAsync();
        var enqueue = await OnceAsync(system, "enqueue", server, sizes.B, ["--inflight", "50", "--fn", "noop"]);
        var cpu1 = await server.CpuSecondsAsync();
        var work = await OnceAsync(system, "work", server, sizes.B, ["--concurrency", "50"]);
        var cpu2 = await server.CpuSecondsAsync();
        var (serverEnqueue, serverWork) = server.CpuFromGoToResult ? (enqueue.ServerCpuSeconds, work.ServerCpuSeconds) : (cpu1 - cpu0, cpu2 - cpu1);
        results.Add(Metric.BEnqueue, sizes.B / enqueue.Seconds);
        results.Add(Metric.BProcess, sizes.B / work.Seconds);
        var workerUs = work.CpuSeconds * 1e6 / sizes.B;
        var serverUs = (serverEnqueue + serverWork) * 1e6 / sizes.B;
        results.Add(Metric.DWorkerCpu, workerUs);
        results.Add(Metric.DServerCpu, serverUs);
        results.Add(Metric.DServerCpuEnqueue, serverEnqueue * 1e6 / sizes.B);
        results.Add(Metric.DServerCpuProcess, serverWork * 1e6 / sizes.B);
        results.Add(Metric.DTotalCpu, workerUs + serverUs);

        // The second half of B's processing, measured by the driver: a .NET worker compiles its hot path in its first
        // second or so (a third of its CPU in B), so this is what each job costs a worker that has been running.
        // The server has no warm-up: the whole run's server CPU per job stands for it.
        if (work.Json.TryGetProperty("second_half_seconds", out var half) && half.GetDouble() > 0)
        {
            var jobs = sizes.B - (sizes.B / 2);
            var warmUs = work.Json.GetProperty("second_half_cpu_seconds").GetDouble() * 1e6 / jobs;
            results.Add(Metric.BProcessWarm, jobs / half.GetDouble());
            results.Add(Metric.DWorkerCpuWarm, warmUs);
            results.Add(Metric.DTotalCpuWarm, warmUs + serverUs);
        }
        results.Add(Metric.DPeakMemory, work.PeakRssBytes / 1024.0 / 1024.0);

        // B, extra: the bulk API (Errand's EnqueueManyAsync, BullMQ's addBulk, pg-boss's insert), calls of 1,000 jobs one after the other.
        if (system.HasBulkEnqueue)
        {
            await server.ResetAsync();
            var bulk = await OnceAsync(system, "enqueue", server, sizes.B, ["--bulk", "1000", "--fn", "noop"]);
            results.Add(Metric.BEnqueueBulk, sizes.B / bulk.Seconds);
        }
    }

    private static async Task RunCAsync(BenchSystem system, BenchServer server, Sizes sizes, SystemResults results)
    {
        // C: an idle worker, N jobs enqueued one at a time; enqueue to handler start.
        await server.ResetAsync();
        var latency = await OnceAsync(system, "latency", server, sizes.C, ["--concurrency", "10"]);
        var ms = latency.Json.GetProperty("latencies_ms").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
        results.Add(Metric.CP50, Percentile(ms, 0.50));
        results.Add(Metric.CP90, Percentile(ms, 0.90));
        results.Add(Metric.CP99, Percentile(ms, 0.99));
        results.Add(Metric.CMax, ms[^1]);
    }

    private static async Task RunEAsync(BenchSystem system, BenchServer server, Sizes sizes, SystemResults results)
    {
        // E: enqueue in the application's transaction. PostgreSQL: a row and a job per transaction, on one connection;
        // Redis: the EF Core outbox relay moving a backlog committed to SQLite.
        if (system.HasTransactionWorkload(server))
        {
            await server.ResetAsync();
            if (server is BenchPostgres)
            {
                var transactions = await OnceAsync(system, "transaction", server, sizes.A, ["--inflight", "20"]);
                results.Add(Metric.ETransaction, sizes.A / transactions.Seconds);
            }
            else
            {
                var relay = await OnceAsync(system, "outbox", server, sizes.B, []);
                results.Add(Metric.EOutboxRelay, sizes.B / relay.Seconds);
            }
        }
    }

    // The floor of C: one bare round trip to the server, paced as C's jobs are, from the Errand driver (no client library).
    private static async Task RunFloorAsync(BenchSystem system, BenchServer server, Sizes sizes, SystemResults results)
    {
        var floor = await OnceAsync(system, "roundtrip", server, sizes.C, []);
        var floorMs = floor.Json.GetProperty("latencies_ms").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
        results.Add(Metric.CFloorP50, Percentile(floorMs, 0.50));
        results.Add(Metric.CFloorP90, Percentile(floorMs, 0.90));
        results.Add(Metric.CFloorP99, Percentile(floorMs, 0.99));
        results.Add(Metric.CFloorMax, floorMs[^1]);
    }

    private static async Task<CommandCount> CountCommandsAsync(BenchSystem system, BenchRedis redis, int n)
    {
        await redis.FlushAsync();
        return await redis.MonitorAsync(async () =>
        {
            await OnceAsync(system, "enqueue", redis, n, ["--inflight", "50", "--fn", "noop"]);
            await OnceAsync(system, "work", redis, n, ["--concurrency", "50"]);
        });
    }

    private static async Task<DriverResult> OnceAsync(BenchSystem system, string role, BenchServer server, int n, string[] args)
    {
        await using var driver = await DriverProcess.StartAsync(system.Driver(role, [.. system.ConnectionArgs(server), "--n", n.ToString(CultureInfo.InvariantCulture), .. args]));
        return await driver.GoAsync(WorkTimeout, server.CpuFromGoToResult ? server.CpuSecondsAsync : null);
    }

    private static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static List<BenchSystem> Systems(Args args, bool readyToRun, string engine)
    {
        if (args.Value("systems") is { } list)
        {
            return [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(name => BenchSystem.Create(name, readyToRun, engine))];
        }

        var peers = args.Value("peers") ?? (engine == "postgres" ? "pgboss,hangfire" : "bullmq,hangfire");
        var systems = new List<BenchSystem> { new ErrandSystem(readyToRun) };
        if (peers != "none")
        {
            systems.AddRange(peers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(name => BenchSystem.Create(name, readyToRun, engine)));
        }

        return systems;
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Errand.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Errand.slnx)");
    }

    private static async Task<string> GitAsync(string root, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0 ? output.Trim() : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static double MemoryGiB()
    {
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
    }

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
}

internal sealed record Sizes(int A, int B, int C);

internal sealed record Machine(int Cores, double MemoryGiB, string Cpu, string Server, string Commit, bool Dirty, string LoadBefore, string LoadAfter, TimeSpan Elapsed, string CommandLine);

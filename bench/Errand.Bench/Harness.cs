using System.Diagnostics;
using System.Globalization;

namespace Errand.Bench;

/// <summary>Runs workloads A-D on each system, one system at a time, against one redis-server of its own, and reports.</summary>
internal static class Harness
{
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(Args args)
    {
        var quick = args.Flag("quick");
        var n = args.Int("n", quick ? 2000 : 20_000);
        var runs = args.Int("runs", quick ? 1 : 3);
        var systems = Systems(args, readyToRun: !args.Flag("jit"));
        var sizes = new Sizes(A: Math.Min(1000, n), B: n, C: Math.Min(300, n));
        var root = FindRoot();
        var started = Stopwatch.StartNew();
        var loadBefore = LoadAverage();

        foreach (var system in systems)
        {
            await system.PrepareAsync(root);
        }

        await using var redis = await BenchRedis.StartAsync();
        var redisVersion = await redis.VersionAsync();
        await Console.Error.WriteLineAsync($"redis-server {redisVersion} on {redis.Endpoint}; systems: {string.Join(", ", systems.Select(s => s.Name))}; N={n}, runs={runs}");
        var results = new Results();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var system in systems)
            {
                await Console.Error.WriteLineAsync($"run {run}/{runs}: {system.Display}");
                try
                {
                    await RunWorkloadsAsync(system, redis, sizes, results.For(system.Name));
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
        if (!args.Flag("no-monitor"))
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

        var machine = new Machine(
            Environment.ProcessorCount,
            MemoryGiB(),
            CpuModel(),
            redisVersion,
            await GitAsync(root, "rev-parse", "--short", "HEAD"),
            (await GitAsync(root, "status", "--porcelain", "--", "src", "bench", ":(exclude)bench/results")).Length > 0,
            loadBefore,
            LoadAverage(),
            started.Elapsed,
            Environment.GetCommandLineArgs().Length > 1 ? string.Join(' ', Environment.GetCommandLineArgs().Skip(1)) : "(no options: the full run)");
        var report = Report.Render(systems, results, commands, sizes, runs, machine);
        Console.WriteLine(report);
        if (!args.Flag("no-save"))
        {
            var directory = Path.Combine(root, "bench", "results");
            Directory.CreateDirectory(directory);
            var name = $"{TimeProvider.System.GetUtcNow():yyyy-MM-dd}-{machine.Commit}{(machine.Dirty ? "-dirty" : string.Empty)}{(Environment.GetCommandLineArgs().Length > 1 ? "-partial" : string.Empty)}.md";
            await File.WriteAllTextAsync(Path.Combine(directory, name), report);
            await Console.Error.WriteLineAsync($"written: bench/results/{name}");
        }

        return 0;
    }

    private static async Task RunWorkloadsAsync(BenchSystem system, BenchRedis redis, Sizes sizes, SystemResults results)
    {
        var url = redis.Endpoint;

        // A: enqueue N with 20 in flight; process those N no-op jobs with concurrency 10.
        await redis.FlushAsync();
        results.Add(Metric.AEnqueue, (await OnceAsync(system, "enqueue", url, sizes.A, ["--inflight", "20", "--fn", "noop"])).Seconds);
        results.Add(Metric.ANoop, (await OnceAsync(system, "work", url, sizes.A, ["--concurrency", "10"])).Seconds);

        // A: N jobs that each wait 100 ms, concurrency 10.
        await redis.FlushAsync();
        await OnceAsync(system, "enqueue", url, sizes.A, ["--inflight", "20", "--fn", "sleep"]);
        results.Add(Metric.ASleep, (await OnceAsync(system, "work", url, sizes.A, ["--concurrency", "10"])).Seconds);

        // B and D: N no-op jobs, 50 enqueues in flight, then concurrency 50; the worker's CPU and peak memory; Redis CPU.
        await redis.FlushAsync();
        var cpu0 = await redis.CpuSecondsAsync();
        var enqueue = await OnceAsync(system, "enqueue", url, sizes.B, ["--inflight", "50", "--fn", "noop"]);
        var cpu1 = await redis.CpuSecondsAsync();
        var work = await OnceAsync(system, "work", url, sizes.B, ["--concurrency", "50"]);
        var cpu2 = await redis.CpuSecondsAsync();
        results.Add(Metric.BEnqueue, sizes.B / enqueue.Seconds);
        results.Add(Metric.BProcess, sizes.B / work.Seconds);
        var workerUs = work.CpuSeconds * 1e6 / sizes.B;
        var redisUs = (cpu2 - cpu0) * 1e6 / sizes.B;
        results.Add(Metric.DWorkerCpu, workerUs);
        results.Add(Metric.DRedisCpu, redisUs);
        results.Add(Metric.DRedisCpuEnqueue, (cpu1 - cpu0) * 1e6 / sizes.B);
        results.Add(Metric.DRedisCpuProcess, (cpu2 - cpu1) * 1e6 / sizes.B);
        results.Add(Metric.DTotalCpu, workerUs + redisUs);

        // The second half of B's processing, measured by the driver: a .NET worker compiles its hot path in its first
        // second or so (a third of its CPU in B), so this is what each job costs a worker that has been running.
        // Redis has no warm-up: the whole run's Redis CPU per job stands for it.
        if (work.Json.TryGetProperty("second_half_seconds", out var half) && half.GetDouble() > 0)
        {
            var jobs = sizes.B - (sizes.B / 2);
            var warmUs = work.Json.GetProperty("second_half_cpu_seconds").GetDouble() * 1e6 / jobs;
            results.Add(Metric.BProcessWarm, jobs / half.GetDouble());
            results.Add(Metric.DWorkerCpuWarm, warmUs);
            results.Add(Metric.DTotalCpuWarm, warmUs + redisUs);
        }
        results.Add(Metric.DPeakMemory, work.PeakRssBytes / 1024.0 / 1024.0);

        // B, extra: the bulk API (Errand's EnqueueManyAsync, BullMQ's addBulk), calls of 1,000 jobs one after the other.
        if (system.HasBulkEnqueue)
        {
            await redis.FlushAsync();
            var bulk = await OnceAsync(system, "enqueue", url, sizes.B, ["--bulk", "1000", "--fn", "noop"]);
            results.Add(Metric.BEnqueueBulk, sizes.B / bulk.Seconds);
        }

        // C: an idle worker, N jobs enqueued one at a time; enqueue to handler start.
        await redis.FlushAsync();
        var latency = await OnceAsync(system, "latency", url, sizes.C, ["--concurrency", "10"]);
        var ms = latency.Json.GetProperty("latencies_ms").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
        results.Add(Metric.CP50, Percentile(ms, 0.50));
        results.Add(Metric.CP90, Percentile(ms, 0.90));
        results.Add(Metric.CP99, Percentile(ms, 0.99));
        results.Add(Metric.CMax, ms[^1]);

        if (system is ErrandSystem)
        {
            var floor = await OnceAsync(system, "roundtrip", url, sizes.C, []);
            var floorMs = floor.Json.GetProperty("latencies_ms").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
            results.Add(Metric.CFloorP50, Percentile(floorMs, 0.50));
            results.Add(Metric.CFloorP90, Percentile(floorMs, 0.90));
            results.Add(Metric.CFloorP99, Percentile(floorMs, 0.99));
            results.Add(Metric.CFloorMax, floorMs[^1]);
        }
    }

    private static async Task<CommandCount> CountCommandsAsync(BenchSystem system, BenchRedis redis, int n)
    {
        await redis.FlushAsync();
        return await redis.MonitorAsync(async () =>
        {
            await OnceAsync(system, "enqueue", redis.Endpoint, n, ["--inflight", "50", "--fn", "noop"]);
            await OnceAsync(system, "work", redis.Endpoint, n, ["--concurrency", "50"]);
        });
    }

    private static async Task<DriverResult> OnceAsync(BenchSystem system, string role, string url, int n, string[] args)
    {
        await using var driver = await DriverProcess.StartAsync(system.Driver(role, ["--redis", url, "--n", n.ToString(CultureInfo.InvariantCulture), .. args]));
        return await driver.GoAsync(WorkTimeout);
    }

    private static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static List<BenchSystem> Systems(Args args, bool readyToRun)
    {
        if (args.Value("systems") is { } list)
        {
            return [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(name => BenchSystem.Create(name, readyToRun))];
        }

        var peers = args.Value("peers") ?? "bullmq,hangfire";
        var systems = new List<BenchSystem> { new ErrandSystem(readyToRun) };
        if (peers != "none")
        {
            systems.AddRange(peers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(name => BenchSystem.Create(name, readyToRun)));
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

internal sealed record Machine(int Cores, double MemoryGiB, string Cpu, string RedisVersion, string Commit, bool Dirty, string LoadBefore, string LoadAfter, TimeSpan Elapsed, string CommandLine);

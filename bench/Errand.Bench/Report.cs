using System.Globalization;
using System.Text;

namespace Errand.Bench;

internal enum Metric
{
    AEnqueue,
    ANoop,
    ASleep,
    BEnqueue,
    BProcess,
    BEnqueueBulk,
    BProcessWarm,
    CP50,
    CP90,
    CP99,
    CMax,
    CFloorP50,
    CFloorP90,
    CFloorP99,
    CFloorMax,
    DWorkerCpu,
    DWorkerCpuWarm,
    DServerCpu,
    DServerCpuEnqueue,
    DServerCpuProcess,
    DTotalCpu,
    DTotalCpuWarm,
    DPeakMemory,
    ETransaction,
    EOutboxRelay,
}

/// <summary>Every figure of every run, per system.</summary>
internal sealed class Results
{
    private readonly Dictionary<string, SystemResults> _systems = new(StringComparer.Ordinal);

    public SystemResults For(string system) => _systems.TryGetValue(system, out var r) ? r : _systems[system] = new SystemResults();
}

internal sealed class SystemResults
{
    private readonly Dictionary<Metric, List<double>> _values = [];

    public List<string> Failures { get; } = [];

    /// <summary>Gets or sets why the system was not run on this engine, or <see langword="null"/> when it was.</summary>
    public string? Skipped { get; set; }

    public void Add(Metric metric, double value)
    {
        if (!_values.TryGetValue(metric, out var list))
        {
            _values[metric] = list = [];
        }

        list.Add(value);
    }

    public (double Median, double Min, double Max)? Summary(Metric metric)
    {
        if (!_values.TryGetValue(metric, out var list) || list.Count == 0)
        {
            return null;
        }

        var sorted = list.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return (median, sorted[0], sorted[^1]);
    }
}

/// <summary>The markdown report: machine, one table with every figure and the ratios Errand/peer, and the command counts.</summary>
internal static class Report
{
    private sealed record Row(Metric Metric, string Label, string Unit, bool HigherIsBetter, string Format);

    private static readonly Row[] Rows =
    [
        new(Metric.AEnqueue, "A: enqueue {A} jobs, 20 in flight", "s", false, "0.000"),
        new(Metric.ANoop, "A: process {A} no-op jobs, concurrency 10", "s", false, "0.000"),
        new(Metric.ASleep, "A: process {A} jobs of 100 ms, concurrency 10", "s", false, "0.000"),
        new(Metric.BEnqueue, "B: enqueue {B} jobs, 50 in flight, single calls", "jobs/s", true, "#,0"),
        new(Metric.BProcess, "B: process {B} no-op jobs, concurrency 50", "jobs/s", true, "#,0"),
        new(Metric.BProcessWarm, "B: … its second half (the worker warm)", "jobs/s", true, "#,0"),
        new(Metric.BEnqueueBulk, "B: enqueue {B} jobs with the bulk API, 1,000 a call (extra)", "jobs/s", true, "#,0"),
        new(Metric.CP50, "C: latency p50, {C} jobs one at a time", "ms", false, "0.00"),
        new(Metric.CP90, "C: latency p90", "ms", false, "0.00"),
        new(Metric.CP99, "C: latency p99", "ms", false, "0.00"),
        new(Metric.CMax, "C: latency max", "ms", false, "0.00"),
        new(Metric.DWorkerCpu, "D: worker CPU per job (B process)", "µs", false, "0.0"),
        new(Metric.DWorkerCpuWarm, "D: … in B's second half (the worker warm)", "µs", false, "0.0"),
        new(Metric.DServerCpu, "D: {S} CPU per job (B enqueue + process)", "µs", false, "0.0"),
        new(Metric.DServerCpuEnqueue, "D: … of which enqueue", "µs", false, "0.0"),
        new(Metric.DServerCpuProcess, "D: … of which process", "µs", false, "0.0"),
        new(Metric.DTotalCpu, "D: worker + {S} CPU per job", "µs", false, "0.0"),
        new(Metric.DTotalCpuWarm, "D: … with the worker warm", "µs", false, "0.0"),
        new(Metric.DPeakMemory, "D: worker peak memory (RSS)", "MiB", false, "0.0"),
        new(Metric.ETransaction, "E: transactions of one row and one job (same connection), 20 in flight, {A} of them", "tx/s", true, "#,0"),
        new(Metric.EOutboxRelay, "E: EF Core outbox relay, {B} jobs committed to SQLite, relayed to {S}", "jobs/s", true, "#,0"),
    ];

    public static string Render(IReadOnlyList<BenchSystem> systems, Results results, IReadOnlyDictionary<string, CommandCount> commands, Sizes sizes, int runs, Machine machine, BenchServer server)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"# Errand benchmark, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine(c, $"- commit `{machine.Commit}`{(machine.Dirty ? " (with uncommitted changes in src/ or bench/)" : string.Empty)}; `{machine.CommandLine}`");
        text.AppendLine(c, $"- machine: {machine.Cores} cores ({machine.Cpu}), {machine.MemoryGiB:0.0} GiB; load average before {machine.LoadBefore}, after {machine.LoadAfter}");
        text.AppendLine(c, $"- {machine.Server}; .NET {Environment.Version}");
        text.AppendLine(c, $"- systems: {string.Join("; ", systems.Select(s => $"{s.Display} {s.Version}".Trim()))}");
        text.AppendLine(c, $"- each figure: median of {runs} run{(runs == 1 ? string.Empty : "s")} (min–max); ratio = Errand / peer on the medians; one system at a time; took {machine.Elapsed.TotalSeconds:0} s");
        text.AppendLine();
        var peers = systems.Where(s => s.Name != "errand").ToList();
        var errand = systems.FirstOrDefault(s => s.Name == "errand");
        text.Append("| workload | unit | better |");
        foreach (var s in systems)
        {
            text.Append(c, $" {s.Display} |");
        }

        if (errand is not null)
        {
            foreach (var p in peers)
            {
                text.Append(c, $" Errand/{p.Display} |");
            }
        }

        text.AppendLine();
        text.Append("| --- | --- | --- |");
        text.Append(string.Concat(Enumerable.Repeat(" ---: |", systems.Count + (errand is null ? 0 : peers.Count))));
        text.AppendLine();
        foreach (var row in Rows)
        {
            // A workload of one engine only (E) leaves its other row empty: no line for it.
            if (systems.All(s => results.For(s.Name).Summary(row.Metric) is null))
            {
                continue;
            }

            var label = row.Label.Replace("{A}", sizes.A.ToString("#,0", c), StringComparison.Ordinal)
                .Replace("{B}", sizes.B.ToString("#,0", c), StringComparison.Ordinal)
                .Replace("{C}", sizes.C.ToString("#,0", c), StringComparison.Ordinal)
                .Replace("{S}", server.Display, StringComparison.Ordinal);
            text.Append(c, $"| {label} | {row.Unit} | {(row.HigherIsBetter ? "higher" : "lower")} |");
            foreach (var s in systems)
            {
                text.Append(c, $" {Cell(results.For(s.Name).Summary(row.Metric), row.Format, runs)} |");
            }

            if (errand is not null)
            {
                var mine = results.For(errand.Name).Summary(row.Metric);
                foreach (var p in peers)
                {
                    var theirs = results.For(p.Name).Summary(row.Metric);
                    text.Append(mine is { } m && theirs is { } t && t.Median != 0 ? $" {(m.Median / t.Median).ToString("0.00", c)} |" : " – |");
                }
            }

            text.AppendLine();
        }

        if (errand is not null && results.For(errand.Name).Summary(Metric.CFloorP50) is not null)
        {
            var floor = results.For(errand.Name);
            text.AppendLine();
            text.AppendLine(c, $"The floor of C on this machine during the run: {server.FloorDescription}, {sizes.C:#,0} of them paced as C's jobs are, once per run): p50 {Cell(floor.Summary(Metric.CFloorP50), "0.00", runs)}, p90 {Cell(floor.Summary(Metric.CFloorP90), "0.00", runs)}, p99 {Cell(floor.Summary(Metric.CFloorP99), "0.00", runs)}, max {Cell(floor.Summary(Metric.CFloorMax), "0.00", runs)} ms. Every system's latency holds at least one round trip (the enqueue) and the wake-up of an idle worker.");
        }

        foreach (var s in systems)
        {
            if (results.For(s.Name).Skipped is { } why)
            {
                text.AppendLine();
                text.AppendLine(c, $"{s.Display} was not run on {server.Display}: {why}");
            }

            foreach (var failure in results.For(s.Name).Failures)
            {
                text.AppendLine();
                text.AppendLine(c, $"{s.Display} failed {failure} (the figures of that run that were not measured are left out).");
            }
        }

        if (commands.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(c, $"Redis commands per job, counted with MONITOR while {sizes.A:#,0} jobs are enqueued (50 in flight) and processed (concurrency 50), outside the timed runs. A request is a command a client sent (a script call, or each command of a pipeline or MULTI); the commands inside Lua scripts are counted apart.");
            text.AppendLine();
            text.AppendLine("| system | requests per job | commands in scripts per job | requests by command (per job) |");
            text.AppendLine("| --- | ---: | ---: | --- |");
            foreach (var s in systems)
            {
                if (!commands.TryGetValue(s.Name, out var count))
                {
                    continue;
                }

                var by = string.Join(", ", count.ByName.Where(kv => !kv.Key.StartsWith("lua:", StringComparison.Ordinal))
                    .OrderByDescending(kv => kv.Value).Take(8)
                    .Select(kv => $"{kv.Key} {(double)kv.Value / sizes.A:0.##}"));
                text.AppendLine(c, $"| {s.Display} | {(double)count.Requests / sizes.A:0.00} | {(double)count.InScripts / sizes.A:0.00} | {by} |");
            }
        }

        return text.ToString();
    }

    private static string Cell((double Median, double Min, double Max)? summary, string format, int runs)
    {
        if (summary is not { } s)
        {
            return "–";
        }

        var c = CultureInfo.InvariantCulture;
        return runs == 1 ? s.Median.ToString(format, c) : $"{s.Median.ToString(format, c)} ({s.Min.ToString(format, c)}–{s.Max.ToString(format, c)})";
    }
}

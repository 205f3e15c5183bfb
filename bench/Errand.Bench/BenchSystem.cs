using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Errand.Bench;

/// <summary>One system under test: how to prepare it once and how to start its driver for a role.</summary>
internal abstract class BenchSystem
{
    public abstract string Name { get; }

    public abstract string Display { get; }

    public virtual string Version => string.Empty;

    /// <summary>Gets whether the system has a bulk enqueue API (the driver's <c>enqueue --bulk K</c>).</summary>
    public virtual bool HasBulkEnqueue => false;

    /// <summary>Returns whether the system runs workload E on <paramref name="server"/>: the driver's <c>transaction</c> role on PostgreSQL, <c>outbox</c> on Redis.</summary>
    public virtual bool HasTransactionWorkload(BenchServer server) => false;

    public virtual Task PrepareAsync(string root) => Task.CompletedTask;

    public abstract ProcessStartInfo Driver(string role, IEnumerable<string> args);

    /// <summary>Returns the driver's options that say where the server is: <c>--url URL</c> unless the driver takes another form.</summary>
    public virtual string[] ConnectionArgs(BenchServer server) => ["--url", server.Url];

    /// <summary>Returns why the system cannot run on <paramref name="server"/> in this build, or <see langword="null"/> when it can.</summary>
    public virtual string? Unsupported(BenchServer server) => null;

    /// <summary>Creates the system <paramref name="name"/> of engine <paramref name="engine"/> (<c>redis</c> or <c>postgres</c>).</summary>
    public static BenchSystem Create(string name, bool readyToRun, string engine) => (engine, name) switch
    {
        (_, "errand") => new ErrandSystem(readyToRun),
        ("redis", "bullmq") => new BullMqSystem(),
        ("redis", "hangfire") => new HangfireSystem(readyToRun, postgres: false),
        ("postgres", "pgboss") => new PgBossSystem(),
        ("postgres", "hangfire") => new HangfireSystem(readyToRun, postgres: true),
        ("redis", _) => throw new ArgumentException($"unknown system '{name}' for Redis (errand, bullmq, hangfire)"),
        _ => throw new ArgumentException($"unknown system '{name}' for PostgreSQL (errand, pgboss, hangfire)"),
    };

    protected static ProcessStartInfo Start(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file);
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    /// <summary>The arguments of <c>dotnet publish</c> for a framework-dependent build, ReadyToRun when <paramref name="readyToRun"/>.</summary>
    protected static string[] Publish(string project, string output, bool readyToRun = true) =>
        readyToRun
            ? ["publish", project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "-p:PublishReadyToRun=true", "-nologo", "-v:q", "-o", output]
            : ["build", project, "-c", "Release", "-nologo", "-v:q", "-o", output];

    protected static async Task<string> RunAsync(string file, string workingDirectory, params string[] arguments)
    {
        var info = Start(file, arguments);
        info.WorkingDirectory = workingDirectory;
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        return (await stdout).Trim();
    }
}

internal sealed class ErrandSystem(bool readyToRun) : BenchSystem
{
    private string? _published;

    public override string Name => "errand";

    public override string Display => "Errand";

    public override bool HasBulkEnqueue => true;

    public override bool HasTransactionWorkload(BenchServer server) => true;

    public override string Version =>
        (typeof(Queue).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? string.Empty)
        + (readyToRun ? " (ReadyToRun)" : " (JIT)");

    public override string? Unsupported(BenchServer server)
    {
        try
        {
            _ = new Backends.QueueStoreSchemes(ErrandDriver.Providers).Find(server.Url);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    public override async Task PrepareAsync(string root)
    {
        if (!readyToRun)
        {
            return;
        }

        // The worker as it is deployed: published ReadyToRun, so that JIT time does not count as work per job.
        var output = Path.Combine(root, "artifacts", "bench-peers", "errand");
        await Console.Error.WriteLineAsync("errand: dotnet publish -c Release -p:PublishReadyToRun=true");
        await RunAsync("dotnet", root, [.. Publish(Path.Combine(root, "bench", "Errand.Bench", "Errand.Bench.csproj"), output)]);
        _published = Path.Combine(output, "Errand.Bench.dll");
    }

    public override ProcessStartInfo Driver(string role, IEnumerable<string> args)
    {
        if (_published is not null)
        {
            return Start("dotnet", [_published, "driver", role, .. args]);
        }

        // The harness's own executable, in driver mode: "dotnet Errand.Bench.dll driver ..." or "Errand.Bench driver ...".
        var self = Environment.ProcessPath ?? "dotnet";
        var prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(ErrandSystem).Assembly.Location] : Array.Empty<string>();
        return Start(self, [.. prefix, "driver", role, .. args]);
    }
}

internal sealed class BullMqSystem : BenchSystem
{
    private string _directory = string.Empty;
    private string _version = string.Empty;

    public override string Name => "bullmq";

    public override string Display => "BullMQ";

    public override bool HasBulkEnqueue => true;

    public override string Version => _version;

    public override async Task PrepareAsync(string root)
    {
        _directory = Path.Combine(root, "bench", "peers", "bullmq");
        if (!Directory.Exists(Path.Combine(_directory, "node_modules", "bullmq")))
        {
            await Console.Error.WriteLineAsync("bullmq: installing from the npm registry (npm ci)");
            var lockFile = File.Exists(Path.Combine(_directory, "package-lock.json"));
            await RunAsync("npm", _directory, lockFile ? "ci" : "install", "--no-audit", "--no-fund");
        }

        _version = await RunAsync("node", _directory, "-p", "require('bullmq/package.json').version + ' (node ' + process.version + ')'");
    }

    public override ProcessStartInfo Driver(string role, IEnumerable<string> args) =>
        Start("node", [Path.Combine(_directory, "driver.mjs"), role, .. args]);

    public override string[] ConnectionArgs(BenchServer server) => ["--redis", server.Endpoint];
}

/// <summary>Hangfire with Redis storage (bench/peers/hangfire) or PostgreSQL storage (bench/peers/hangfire-postgres): one program, two projects.</summary>
internal sealed class HangfireSystem(bool readyToRun, bool postgres) : BenchSystem
{
    private string _dll = string.Empty;

    public override string Name => "hangfire";

    // Hangfire.PostgreSql joins an ambient TransactionScope; Hangfire on Redis has no transaction of the application to join.
    public override bool HasTransactionWorkload(BenchServer server) => postgres;

    public override string Display => "Hangfire";

    public override string Version =>
        (postgres ? "Hangfire.Core 1.8.25, Hangfire.PostgreSql 1.21.1 (Npgsql 8.0.3)" : "Hangfire.Core 1.8.25, Hangfire.Redis.StackExchange 1.12.0")
        + (readyToRun ? " (ReadyToRun)" : " (JIT)");

    public override async Task PrepareAsync(string root)
    {
        // Built here, not by the solution: it needs packages that nothing else in the repository uses.
        var (folder, assembly) = postgres ? ("hangfire-postgres", "Errand.Bench.HangfirePostgres") : ("hangfire", "Errand.Bench.Hangfire");
        var project = Path.Combine(root, "bench", "peers", folder, assembly + ".csproj");
        var output = Path.Combine(root, "artifacts", "bench-peers", folder);
        await Console.Error.WriteLineAsync($"{folder}: dotnet {(readyToRun ? "publish -p:PublishReadyToRun=true" : "build")} -c Release");
        await RunAsync("dotnet", root, Publish(project, output, readyToRun));
        _dll = Path.Combine(output, assembly + ".dll");
    }

    public override string[] ConnectionArgs(BenchServer server) => postgres ? ["--url", server.Url] : ["--redis", server.Endpoint];

    public override ProcessStartInfo Driver(string role, IEnumerable<string> args) =>
        Start("dotnet", [_dll, role, .. args]);
}

using System.Diagnostics;
using System.Globalization;

namespace Errand.Bench;

/// <summary>
/// The harness's own PostgreSQL (Debian's binaries): a cluster made by <c>initdb</c> in a temporary folder, started by
/// <c>pg_ctl</c> on a free loopback port without durability, a fresh database for each step, stopped and removed at
/// the end. As root, <c>initdb</c> and <c>pg_ctl</c> run as the <c>postgres</c> user (initdb refuses root).
/// </summary>
internal sealed class BenchPostgres : BenchServer
{
    public const string User = "errand";
    public const string Database = "bench";

    /// <summary>The server settings, the same for every system: no durability, room for every system's connection pool.</summary>
    public static readonly string[] Settings = ["fsync=off", "synchronous_commit=off", "max_connections=300"];

    private readonly string _bin;
    private readonly string _directory;
    private readonly bool _asPostgres;
    private bool _started;

    private BenchPostgres(string bin, string directory, bool asPostgres, int port)
    {
        _bin = bin;
        _directory = directory;
        _asPostgres = asPostgres;
        Port = port;
    }

    public int Port { get; }

    public string Version { get; private set; } = string.Empty;

    public override string Display => "PostgreSQL";

    public override string Url => $"postgresql://{User}@{Endpoint}/{Database}";

    public override string Endpoint => $"127.0.0.1:{Port}";

    public override string Description =>
        $"PostgreSQL {Version}, started by the harness (initdb --no-sync; {string.Join(", ", Settings)}), a fresh database for each step";

    public override string FloorDescription => "one PostgreSQL round trip (SELECT 1 over a plain socket, simple query protocol, from a .NET process";

    public override bool CpuFromGoToResult => true;

    private string Data => Path.Combine(_directory, "data");

    /// <summary>Returns the folder of <c>initdb</c> and <c>pg_ctl</c>: <c>ERRAND_PG_BIN</c>, the PATH, or the newest <c>/usr/lib/postgresql/*/bin</c>; or <see langword="null"/>.</summary>
    public static string? FindBinaries()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("ERRAND_PG_BIN") is { Length: > 0 } configured)
        {
            candidates.Add(configured);
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries));
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        foreach (var dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                // PATH may hold symbolic links (/usr/local/bin/initdb): psql and postgres sit beside the real one.
                var real = new FileInfo(Path.Combine(dir, "initdb")).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                return real is null ? dir : Path.GetDirectoryName(real);
            }
        }

        return null;
    }

    public static async Task<BenchPostgres> StartAsync(string bin)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"errand-bench-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var asPostgres = Environment.UserName == "root";
        var server = new BenchPostgres(bin, directory, asPostgres, FreePort());
        try
        {
            if (asPostgres)
            {
                await RunAsync(directory, "chown", "postgres", directory);
            }

            await server.RunServerToolAsync("initdb", "-D", server.Data, "-A", "trust", "-U", User, "-E", "UTF8", "--no-sync");
            var options = $"-p {server.Port} -k {directory} -c listen_addresses=127.0.0.1 {string.Join(' ', Settings.Select(s => "-c " + s))}";
            await server.RunServerToolAsync("pg_ctl", "-D", server.Data, "-o", options, "-l", Path.Combine(directory, "log"), "-w", "start");
            server._started = true;
            server.Version = await server.PsqlAsync("SHOW server_version");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public override async Task ResetAsync()
    {
        // FORCE: a driver that has not yet let go of its connections (one killed after its result) does not block it.
        await PsqlAsync($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", $"CREATE DATABASE {Database}");
    }

    /// <summary>Sums the CPU of every process of this server from /proc: the postmaster with the children it has reaped, and its live children.</summary>
    public override Task<double> CpuSecondsAsync()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            // Fields after "(comm) ": state, ppid, ... utime (14), stime (15), cutime (16), cstime (17) of proc(5).
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (pid == postmaster || int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster)
            {
                for (var i = 11; i <= 14; i++)
                {
                    ticks += long.Parse(fields[i], CultureInfo.InvariantCulture);
                }
            }
        }

        return Task.FromResult(ticks / 100.0);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_started)
        {
            try
            {
                await RunServerToolAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");
            }
            catch (InvalidOperationException ex)
            {
                await Console.Error.WriteLineAsync($"pg_ctl stop: {ex.Message.Split('\n')[0]}");
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<string> PsqlAsync(params string[] commands)
    {
        List<string> arguments = ["-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", User, "-d", "postgres"];
        foreach (var command in commands)
        {
            arguments.AddRange(["-c", command]);
        }

        return RunAsync(_directory, Path.Combine(_bin, "psql"), [.. arguments]);
    }

    private Task<string> RunServerToolAsync(string tool, params string[] arguments) =>
        _asPostgres
            ? RunAsync(_directory, "runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments])
            : RunAsync(_directory, Path.Combine(_bin, tool), arguments);

    private static async Task<string> RunAsync(string workingDirectory, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        return (await stdout).Trim();
    }
}

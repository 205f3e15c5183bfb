using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Errand.Postgres.Tests;

/// <summary>A real PostgreSQL server (<c>initdb</c> + <c>pg_ctl</c>) on a loopback port, in a temporary directory of its own.</summary>
/// <remarks>initdb refuses to run as root: then every tool runs as the <c>postgres</c> user through <c>runuser</c>.</remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly bool _asPostgresUser;
    private readonly bool _durable;

    private PostgresServer(string bin, int port, string directory, bool asPostgresUser, bool durable)
    {
        _durable = durable;
        _bin = bin;
        Port = port;
        Directory = directory;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public string Directory { get; }

    private string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>Gets a URL of database <paramref name="database"/> on this server, as user <c>errand</c>.</summary>
    public string Url(string database = "postgres") => $"postgresql://errand@127.0.0.1:{Port}/{database}";

    /// <summary>Returns the folder that holds initdb, pg_ctl and postgres (PATH first, then /usr/lib/postgresql/*/bin), or <see langword="null"/>.</summary>
    public static string? FindBinaries()
    {
        static bool Complete(string dir) =>
            File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "postgres"));

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var installed = System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).OrderByDescending(d => d, StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return onPath.Concat(installed).FirstOrDefault(Complete);
    }

    /// <summary>Creates a cluster in a new temporary folder and starts it on a free port.</summary>
    /// <remarks>
    /// <paramref name="durable"/> keeps every commit through a crash (<c>-m immediate</c>); otherwise commits are not
    /// waited for (<c>synchronous_commit=off</c>), faster, and the last ones may be lost when the server is killed.
    /// </remarks>
    public static async Task<PostgresServer> StartAsync(string bin, bool durable = false, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"errand-pg-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var asPostgres = Environment.IsPrivilegedProcess;
        var server = new PostgresServer(bin, FreePort(), directory, asPostgres, durable);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres", directory], cancellationToken);
        }

        await server.ToolAsync("initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", "errand", "-E", "UTF8", "--no-sync"], cancellationToken);
        await server.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Starts the server (again) on the same port and folder.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => ToolAsync(
        "pg_ctl",
        [
            "-D", DataDirectory, "-l", Path.Combine(Directory, "log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {Directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300" + (_durable ? string.Empty : " -c synchronous_commit=off"),
            "start",
        ],
        cancellationToken);

    /// <summary>Stops the server at once (<c>-m immediate</c>): connections drop, committed data stays.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        ToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder.
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task ToolAsync(string tool, string[] arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_bin, tool);
        return _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], cancellationToken)
            : RunAsync(path, arguments, cancellationToken);
    }

    private static async Task RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Errand.Redis.Tests;

/// <summary>A real <c>redis-server</c> process on a loopback port, in a temporary directory of its own.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly bool _persistent;
    private readonly string[] _arguments;
    private readonly string? _sentinelConfig;
    private Process? _process;

    private RedisServer(string executable, int port, string directory, bool persistent, string[] arguments, string? sentinelConfig)
    {
        _executable = executable;
        Port = port;
        Directory = directory;
        _persistent = persistent;
        _arguments = arguments;
        _sentinelConfig = sentinelConfig;
    }

    public int Port { get; }

    /// <summary>Gets whether the process runs (it was started and has not been stopped or died).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Gets the path of the redis-server this server runs.</summary>
    public string Executable => _executable;

    public string Directory { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>Returns the path of redis-server (or of <c>ERRAND_REDIS_SERVER</c> when set), or <see langword="null"/> when it is not installed.</summary>
    public static string? FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("ERRAND_REDIS_SERVER") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .Prepend("/usr/bin/redis-server");
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Starts a server on a free port; <paramref name="persistent"/> turns on the append-only file (fsync always).</summary>
    public static Task<RedisServer> StartAsync(string executable, bool persistent = false, CancellationToken cancellationToken = default) =>
        StartAsync(executable, persistent, [], null, cancellationToken);

    /// <summary>Starts a server on a free port with more arguments (e.g. <c>--replicaof</c>).</summary>
    public static Task<RedisServer> StartAsync(string executable, string[] arguments, CancellationToken cancellationToken = default) =>
        StartAsync(executable, persistent: false, arguments, null, cancellationToken);

    /// <summary>Starts a Sentinel on a free port with <paramref name="config"/> (Sentinel rewrites its config file, so each has its own).</summary>
    public static Task<RedisServer> StartSentinelAsync(string executable, string config, CancellationToken cancellationToken = default) =>
        StartAsync(executable, persistent: false, [], config, cancellationToken);

    /// <summary>An argument that stands for another free port, chosen anew at each attempt (a cluster's bus port).</summary>
    public const string AnotherFreePort = "{another-free-port}";

    // A port found free can be taken by another process before the server binds it (every test assembly starts
    // servers and Kestrel on free ports at once): the server then exits with "Address already in use", and is started
    // again on new ports.
    private static async Task<RedisServer> StartAsync(string executable, bool persistent, string[] arguments, string? sentinelConfig, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var directory = Path.Combine(Path.GetTempPath(), $"errand-redis-{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(directory);
            var ports = arguments.Select(a => a == AnotherFreePort ? FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) : a).ToArray();
            var server = new RedisServer(executable, FreePort(), directory, persistent, ports, sentinelConfig);
            try
            {
                await server.StartAsync(cancellationToken);
                return server;
            }
            catch (InvalidOperationException ex) when (attempt < 5 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the process again on the same port and directory, after <see cref="StopAsync"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        if (_sentinelConfig is not null)
        {
            var config = Path.Combine(Directory, "sentinel.conf");
            if (!File.Exists(config))
            {
                await File.WriteAllTextAsync(config, _sentinelConfig, cancellationToken);
            }

            info.ArgumentList.Add(config);
            info.ArgumentList.Add("--sentinel");
        }

        foreach (var argument in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", Directory,
            "--save", string.Empty,
            "--appendonly", _persistent ? "yes" : "no",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--protected-mode", "no",
        })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(20);
        while (!await PingAsync(cancellationToken))
        {
            if (_process.HasExited || TimeProvider.System.GetUtcNow() > deadline)
            {
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                throw new InvalidOperationException($"redis-server did not answer PING on port {Port}:\n{log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Stops the process (SIGKILL) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Returns a loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

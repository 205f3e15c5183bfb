using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Errand.Bench;

/// <summary>The harness's own redis-server, on a free loopback port, without persistence; and the few commands the harness sends it.</summary>
internal sealed class BenchRedis : BenchServer
{
    private readonly Process _process;
    private readonly string _directory;
    private ConnectionMultiplexer? _admin;

    private BenchRedis(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public string Version { get; private set; } = string.Empty;

    public override string Display => "Redis";

    public override string Url => $"redis://{Endpoint}";

    public override string Endpoint => $"127.0.0.1:{Port}";

    public override string Description => $"redis-server {Version}, started by the harness, no persistence";

    public override string FloorDescription => "one Redis round trip (PING over a plain socket from a .NET process";

    public override bool CpuFromGoToResult => false;

    public int Pid => _process.Id;

    public static async Task<BenchRedis> StartAsync()
    {
        var executable = Environment.GetEnvironmentVariable("ERRAND_REDIS_SERVER") is { Length: > 0 } configured ? configured : "redis-server";
        var directory = Path.Combine(Path.GetTempPath(), $"errand-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", string.Empty, "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no" })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BenchRedis(process, port, directory);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                server._admin = await ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true,abortConnect=true,connectTimeout=1000");
                break;
            }
            catch (RedisConnectionException) when (deadline.Elapsed < TimeSpan.FromSeconds(15) && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
            }
        }

        server.Version = await server.VersionAsync();
        return server;
    }

    public IServer Server => _admin!.GetServer(Endpoint);

    public async Task FlushAsync() => await Server.FlushAllDatabasesAsync();

    public override Task ResetAsync() => FlushAsync();

    public async Task<Dictionary<string, string>> InfoAsync(string section)
    {
        var text = (string?)await _admin!.GetDatabase().ExecuteAsync("INFO", section) ?? string.Empty;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                values[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
            }
        }

        return values;
    }

    /// <summary>Seconds of CPU (user + system) the server has used so far.</summary>
    public override async Task<double> CpuSecondsAsync()
    {
        var cpu = await InfoAsync("cpu");
        return double.Parse(cpu["used_cpu_sys"], CultureInfo.InvariantCulture) + double.Parse(cpu["used_cpu_user"], CultureInfo.InvariantCulture);
    }

    public async Task<string> VersionAsync() => (await InfoAsync("server"))["redis_version"];

    /// <summary>Counts the commands the server runs while <paramref name="action"/> runs, through MONITOR: those clients sent, and those run inside scripts.</summary>
    public async Task<CommandCount> MonitorAsync(Func<Task> action)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var ok = await reader.ReadLineAsync();
        if (ok != "+OK")
        {
            throw new InvalidOperationException($"MONITOR answered '{ok}'");
        }

        var count = new CommandCount();
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    if (line.Contains("\"MARKER-END\"", StringComparison.Ordinal))
                    {
                        return;
                    }

                    count.Add(line);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await action();

        // A marker command ends the count once the server has sent everything before it.
        await _admin!.GetDatabase().ExecuteAsync("ECHO", "MARKER-END");
        if (await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System)) != reading)
        {
            await stop.CancelAsync();
        }

        return count;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Commands seen by MONITOR: sent by clients (requests) and run inside Lua scripts, by name.</summary>
internal sealed class CommandCount
{
    public long Requests { get; private set; }

    public long InScripts { get; private set; }

    public Dictionary<string, long> ByName { get; } = new(StringComparer.Ordinal);

    public void Add(string line)
    {
        // +1700000000.123456 [0 127.0.0.1:5555] "EVALSHA" "..."   or   +... [0 lua] "GET" "..."
        var close = line.IndexOf("] \"", StringComparison.Ordinal);
        if (close < 0)
        {
            return;
        }

        var lua = line.AsSpan(0, close).EndsWith(" lua", StringComparison.Ordinal);
        var nameStart = close + 3;
        var nameEnd = line.IndexOf('"', nameStart);
        var name = (nameEnd > nameStart ? line[nameStart..nameEnd] : "?").ToUpperInvariant();
        if (name is "INFO" or "ECHO" or "PING" or "CLIENT" or "CONFIG" or "CLUSTER" or "SUBSCRIBE" or "PSUBSCRIBE" or "HELLO" or "SELECT")
        {
            return;
        }

        if (lua)
        {
            InScripts++;
        }
        else
        {
            Requests++;
        }

        var label = lua ? "lua:" + name : name;
        ByName[label] = ByName.GetValueOrDefault(label) + 1;
    }
}

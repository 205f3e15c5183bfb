using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Errand.Bench;

/// <summary>One driver process of one system: started, told to go, and measured from outside through /proc.</summary>
internal sealed class DriverProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly string _description;

    private DriverProcess(Process process, string description)
    {
        _process = process;
        _description = description;
    }

    public static async Task<DriverProcess> StartAsync(ProcessStartInfo info)
    {
        info.UseShellExecute = false;
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        var driver = new DriverProcess(process, $"{info.FileName} {string.Join(' ', info.ArgumentList)}");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (driver._stderr)
                {
                    driver._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        await driver.ExpectAsync("@ready", ReadyTimeout);
        return driver;
    }

    /// <summary>Sends <c>go</c>, waits for the result, and measures the process's CPU between the two and its peak memory; and the server's CPU between the two when <paramref name="serverCpu"/> is given.</summary>
    public async Task<DriverResult> GoAsync(TimeSpan timeout, Func<Task<double>>? serverCpu = null)
    {
        var serverBefore = serverCpu is null ? 0 : await serverCpu();
        var cpuBefore = CpuSeconds();
        await _process.StandardInput.WriteLineAsync("go");
        await _process.StandardInput.FlushAsync();
        var line = await ExpectAsync("@result ", timeout);
        var cpu = CpuSeconds() - cpuBefore;
        var server = serverCpu is null ? double.NaN : await serverCpu() - serverBefore;
        var peak = PeakRssBytes();
        using var json = JsonDocument.Parse(line["@result ".Length..]);
        return new DriverResult(json.RootElement.Clone(), cpu, peak, server);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<string> ExpectAsync(string prefix, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _process.StandardOutput.ReadLineAsync(cancel.Token);
                if (line is null)
                {
                    await _process.WaitForExitAsync(cancel.Token);
                    throw Failure($"exited ({_process.ExitCode}) before '{prefix.Trim()}'");
                }

                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw Failure($"gave no '{prefix.Trim()}' within {timeout.TotalSeconds} s");
        }
    }

    private InvalidOperationException Failure(string what)
    {
        string log;
        lock (_stderr)
        {
            log = _stderr.ToString();
        }

        return new InvalidOperationException($"driver {what}: {_description}\n{log}");
    }

    // utime + stime (fields 14 and 15 of /proc/PID/stat), in clock ticks of 1/100 s.
    private double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    // VmHWM: the peak resident set size of the process so far.
    private long PeakRssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

/// <summary>What a driver reported, with the CPU seconds it used between <c>go</c> and its result, its peak RSS, and the server's CPU seconds in between (NaN when not measured).</summary>
internal sealed record DriverResult(JsonElement Json, double CpuSeconds, long PeakRssBytes, double ServerCpuSeconds)
{
    public double Seconds => Json.GetProperty("seconds").GetDouble();
}

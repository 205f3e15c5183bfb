using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Errand.Cli.Tests;

/// <summary>A real program started with <c>dotnet</c>: its output is collected, and tests await lines instead of sleeping.</summary>
public sealed class ProgramProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<LineWaiter> _waiters = [];
    private readonly List<string> _lines = [];

    private ProgramProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_lines)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lines)
            {
                return _stderr.ToString();
            }
        }
    }

    public string Output => $"--- stdout\n{Stdout}--- stderr\n{Stderr}";

    /// <summary>Starts <c>dotnet PROGRAM.dll args</c>, where the program is a project built next to this test assembly.</summary>
    public static ProgramProcess Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll(program));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new ProgramProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits for a line (on stdout or stderr) that matches, including one printed before the call.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout) => WaitForLinesAsync(match, 1, timeout);

    /// <summary>Waits until <paramref name="count"/> lines have matched, counting those printed before the call; returns the last.</summary>
    public Task<string> WaitForLinesAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var waiter = new LineWaiter(match, count);
        lock (_lines)
        {
            foreach (var line in _lines)
            {
                waiter.Offer(line);
            }

            if (!waiter.Signal.Task.IsCompleted)
            {
                _waiters.Add(waiter);
            }
        }

        return WaitAsync(waiter.Signal.Task, timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The program did not exit within {timeout}.\n{Output}");
        }

        // The exit comes before the last lines are read; WaitForExit() without a timeout waits for the end of the streams.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends a signal (TERM, KILL, INT) to a process, by pid.</summary>
    public static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string Dll(string program)
    {
        // artifacts/bin/Errand.Cli.Tests/<config>/ -> artifacts/bin/<program>/<config>/<program>.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(here.Parent!.Parent!.FullName, program, here.Name, $"{program}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {program} first (the test project references it).", path);
    }

    private async Task<string> WaitAsync(Task<string> line, TimeSpan timeout)
    {
        try
        {
            return await line.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching line within {timeout}.\n{Output}");
        }
    }

    private void Append(StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            stream.AppendLine(line);
            _lines.Add(line);
            _waiters.RemoveAll(w => w.Offer(line));
        }
    }

    private sealed class LineWaiter(Func<string, bool> match, int count)
    {
        private int _remaining = count;

        public TaskCompletionSource<string> Signal { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Counts the line if it matches; returns whether the waiter is done.</summary>
        public bool Offer(string line)
        {
            if (match(line) && --_remaining == 0)
            {
                Signal.TrySetResult(line);
            }

            return _remaining <= 0;
        }
    }
}

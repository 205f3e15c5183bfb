using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Errand.Bench;

/// <summary>The line protocol between the harness and a driver process; the Hangfire peer compiles this file too.</summary>
internal static class Protocol
{
    public static async Task ReadyAsync()
    {
        Console.Out.WriteLine("@ready");
        Console.Out.Flush();
        var line = await Console.In.ReadLineAsync();
        if (line != "go")
        {
            throw new InvalidOperationException($"expected 'go', got '{line}'");
        }
    }

    /// <summary>Prints the result line: one JSON object of numbers.</summary>
    /// <remarks>
    /// Written with <see cref="Utf8JsonWriter"/>, not <see cref="JsonSerializer"/>: the serializer's first call in a
    /// process builds its reflection metadata (30-80 ms of CPU here), and the harness would count that as the
    /// system's, since it reads the driver's CPU when this line appears.
    /// </remarks>
    public static void Result(params ReadOnlySpan<(string Name, double Value)> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in values)
            {
                json.WriteNumber(name, value);
            }

            json.WriteEndObject();
        }

        WriteLine(buffer);
    }

    /// <summary>Prints the result line: one JSON object holding one array of numbers.</summary>
    public static void Result(string name, IReadOnlyList<double> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray(name);
            foreach (var value in values)
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        WriteLine(buffer);
    }

    public static async Task WaitForCloseAsync()
    {
        while (await Console.In.ReadLineAsync() is not null)
        {
        }
    }

    private static void WriteLine(MemoryStream json)
    {
        Console.Out.WriteLine("@result " + Encoding.UTF8.GetString(json.GetBuffer(), 0, (int)json.Length));
        Console.Out.Flush();
    }
}

/// <summary>
/// Counts the jobs a work run has processed, completes <see cref="Done"/> at the last, and measures the run's second
/// half apart: the time and the process's CPU from the job at half the count to the last, when the process has compiled
/// its hot path (a .NET process compiles for its first second or so; Redis has no such warm-up).
/// </summary>
internal sealed class JobCounter(int n)
{
    private readonly Lock _lock = new();
    private int _count;
    private long _halfAt;
    private double _halfCpu;

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets the seconds of the second half, or 0 when it could not be told apart (fewer than 2 jobs).</summary>
    public double SecondHalfSeconds { get; private set; }

    /// <summary>Gets the process's CPU seconds (user + system) in the second half.</summary>
    public double SecondHalfCpuSeconds { get; private set; }

    /// <summary>Gets how many jobs the second half holds.</summary>
    public int SecondHalfJobs => n - (n / 2);

    public void Count()
    {
        var count = Interlocked.Increment(ref _count);
        if (count != n / 2 && count != n)
        {
            return;
        }

        lock (_lock)
        {
            if (count == n / 2)
            {
                (_halfAt, _halfCpu) = (Stopwatch.GetTimestamp(), CpuSeconds());
            }

            if (count == n)
            {
                if (_halfAt != 0)
                {
                    (SecondHalfSeconds, SecondHalfCpuSeconds) = (Stopwatch.GetElapsedTime(_halfAt).TotalSeconds, CpuSeconds() - _halfCpu);
                }

                Done.TrySetResult();
            }
        }
    }

    // getrusage, in microseconds: /proc's clock ticks (10 ms) are too coarse for half a run.
    private static double CpuSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;
}

using System.Diagnostics;

namespace Errand.Bench;

/// <summary>
/// Counts the jobs a work run has processed, completes <see cref="Done"/> at the last, and measures the run's second
/// half apart: the time and the process's CPU from the job at half the count to the last, when the process has compiled
/// its hot path (a .NET process compiles for its first second or so; Redis has no such warm-up). The Hangfire peer
/// compiles this file too.
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

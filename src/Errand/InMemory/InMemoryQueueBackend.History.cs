using Errand.Backends;

namespace Errand.InMemory;

/// <content>Per-minute history of finished and retried jobs, kept for a bit over an hour; per-hour history, kept for 8 days.</content>
public sealed partial class InMemoryQueueBackend
{
    private const long MsPerMinute = 60_000;
    private const long MsPerHour = 3_600_000;

    // Epoch minute -> complete, failed, retried, aborted.
    private readonly Dictionary<long, long[]> _history = [];

    // Epoch hour -> the same.
    private readonly Dictionary<long, long[]> _hourly = [];

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, IQueueMonitor.HistoryMinutes);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var current = NowMs() / MsPerMinute;
            var points = new HistoryPoint[minutes];
            for (var i = 0; i < minutes; i++)
            {
                var minute = current - minutes + 1 + i;
                var counts = _history.GetValueOrDefault(minute) ?? new long[4];
                points[i] = new HistoryPoint(DateTimeOffset.FromUnixTimeMilliseconds(minute * MsPerMinute), counts[0], counts[1], counts[2], counts[3]);
            }

            return Task.FromResult<IReadOnlyList<HistoryPoint>>(points);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HistoryPoint>> GetHourlyHistoryAsync(int hours, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hours, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hours, IQueueMonitor.HistoryHours);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var current = NowMs() / MsPerHour;
            var points = new HistoryPoint[hours];
            for (var i = 0; i < hours; i++)
            {
                var hour = current - hours + 1 + i;
                var counts = _hourly.GetValueOrDefault(hour) ?? new long[4];
                points[i] = new HistoryPoint(DateTimeOffset.FromUnixTimeMilliseconds(hour * MsPerHour), counts[0], counts[1], counts[2], counts[3]);
            }

            return Task.FromResult<IReadOnlyList<HistoryPoint>>(points);
        }
    }

    private void Record(JobStatus outcome, long nowMs)
    {
        var index = outcome switch
        {
            JobStatus.Complete => 0,
            JobStatus.Failed => 1,
            JobStatus.Queued => 2,
            _ => 3,
        };
        Bucket(_history, nowMs / MsPerMinute, IQueueMonitor.HistoryMinutes + 5)[index]++;
        Bucket(_hourly, nowMs / MsPerHour, (IQueueMonitor.HistoryHours + 24))[index]++;
    }

    // The counts of one bucket; a new bucket forgets those no reader can ask for any more (older than keep buckets).
    private static long[] Bucket(Dictionary<long, long[]> buckets, long bucket, long keep)
    {
        if (!buckets.TryGetValue(bucket, out var counts))
        {
            counts = new long[4];
            buckets[bucket] = counts;
            foreach (var old in buckets.Keys.Where(b => b <= bucket - keep).ToList())
            {
                buckets.Remove(old);
            }
        }

        return counts;
    }
}

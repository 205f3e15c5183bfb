using Errand.Backends;

namespace Errand.InMemory;

/// <content>Per-minute history of finished and retried jobs, kept for a bit over an hour.</content>
public sealed partial class InMemoryQueueBackend
{
    private const long MsPerMinute = 60_000;

    // Epoch minute -> complete, failed, retried, aborted.
    private readonly Dictionary<long, long[]> _history = [];

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

    private void Record(JobStatus outcome, long nowMs)
    {
        var minute = nowMs / MsPerMinute;
        if (!_history.TryGetValue(minute, out var counts))
        {
            counts = new long[4];
            _history[minute] = counts;

            // Forget what no reader can ask for any more.
            foreach (var old in _history.Keys.Where(m => m <= minute - IQueueMonitor.HistoryMinutes - 5).ToList())
            {
                _history.Remove(old);
            }
        }

        counts[outcome switch
        {
            JobStatus.Complete => 0,
            JobStatus.Failed => 1,
            JobStatus.Queued => 2,
            _ => 3,
        }]++;
    }
}

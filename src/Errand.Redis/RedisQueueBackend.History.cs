using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Per-minute history in Errand's own keys (<c>errand:QUEUE:history:EPOCH_MINUTE</c>); missing keys count as zero.</content>
public sealed partial class RedisQueueBackend
{
    private const long MsPerMinute = 60_000;

    // A bit over the hour a reader may ask for.
    private static readonly TimeSpan HistoryKeyTtl = TimeSpan.FromMinutes(IQueueMonitor.HistoryMinutes + 5);

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, IQueueMonitor.HistoryMinutes);
        cancellationToken.ThrowIfCancellationRequested();
        var current = NowMs / MsPerMinute;
        var first = current - minutes + 1;
        try
        {
            var batch = _db.CreateBatch();
            var reads = new Task<HashEntry[]>[minutes];
            for (var i = 0; i < minutes; i++)
            {
                reads[i] = batch.HashGetAllAsync(_keys.History(first + i));
            }

            batch.Execute();
            var points = new HistoryPoint[minutes];
            for (var i = 0; i < minutes; i++)
            {
                var entries = (await reads[i].ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
                points[i] = new HistoryPoint(
                    DateTimeOffset.FromUnixTimeMilliseconds((first + i) * MsPerMinute),
                    entries.GetValueOrDefault("complete"),
                    entries.GetValueOrDefault("failed"),
                    entries.GetValueOrDefault("retried"),
                    entries.GetValueOrDefault("aborted"));
            }

            return points;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}

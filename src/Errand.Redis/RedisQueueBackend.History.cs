using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// Per-minute and per-hour history in Errand's own keys (<c>errand:QUEUE:history:EPOCH_MINUTE</c>,
/// <c>errand:QUEUE:hourly:EPOCH_HOUR</c>); missing keys count as zero.
/// </content>
public sealed partial class RedisQueueBackend
{
    private const long MsPerMinute = 60_000;
    private const long MsPerHour = 3_600_000;

    // A bit over the hour a reader may ask for.
    private static readonly TimeSpan HistoryKeyTtl = TimeSpan.FromMinutes(IQueueMonitor.HistoryMinutes + 5);

    // 8 days: a day over the 7 a reader may ask for.
    private static readonly TimeSpan HourlyHistoryKeyTtl = TimeSpan.FromHours(IQueueMonitor.HistoryHours + 24);

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task<IReadOnlyList<HistoryPoint>> GetHourlyHistoryAsync(int hours, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hours, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hours, IQueueMonitor.HistoryHours);
        return ReadHistoryAsync(NowMs / MsPerHour, hours, MsPerHour, _keys.HourlyHistory, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, IQueueMonitor.HistoryMinutes);
        return await ReadHistoryAsync(NowMs / MsPerMinute, minutes, MsPerMinute, _keys.History, cancellationToken).ConfigureAwait(false);
    }

    // The buckets up to the current one, in one round trip.
    private async Task<IReadOnlyList<HistoryPoint>> ReadHistoryAsync(long current, int count, long msPerBucket, Func<long, RedisKey> keyOf, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var first = current - count + 1;
        try
        {
            var batch = _db.CreateBatch();
            var reads = new Task<HashEntry[]>[count];
            for (var i = 0; i < count; i++)
            {
                reads[i] = batch.HashGetAllAsync(keyOf(first + i));
            }

            batch.Execute();
            var points = new HistoryPoint[count];
            for (var i = 0; i < count; i++)
            {
                var entries = (await reads[i].ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
                points[i] = new HistoryPoint(
                    DateTimeOffset.FromUnixTimeMilliseconds((first + i) * msPerBucket),
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

namespace Errand.Redis;

/// <content>Schedule: SAQ's script, under the schedule lock.</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<string>> ScheduleAsync(TimeSpan lockFor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockFor, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var nowSeconds = NowMs / 1000;
            var result = await EvaluateAsync(
                RedisScripts.Schedule,
                [_keys.Schedule, _keys.Incomplete, _keys.Queued],
                [Milliseconds(lockFor), nowSeconds]).ConfigureAwait(false);
            await RefreshLimitedAsync().ConfigureAwait(false);
            return ((string?[]?)result ?? []).OfType<string>().Select(id => RedisJobIds.KeyOf(QueueName, id) ?? id).ToArray();
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}

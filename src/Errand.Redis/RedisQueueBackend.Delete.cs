using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Delete: an operator removes finished jobs, and their ids from Errand's finished indexes, in one script per batch.</content>
public sealed partial class RedisQueueBackend
{
    // Ids per script call: each call stays short, so other clients are never held up for long.
    private const int DeleteChunk = 200;

    /// <inheritdoc />
    /// <remarks>
    /// Each batch of <c>200</c> keys is one script (<c>delete_finished.lua</c>): it reads each document, and deletes it
    /// when its status is complete, failed or aborted, with its ids in <c>errand:QUEUE:finished:*</c> and its
    /// attempts (<c>errand:QUEUE:attempts:KEY</c>).
    /// </remarks>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<string>> DeleteFinishedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        var deleted = new List<string>();
        try
        {
            foreach (var chunk in keys.Distinct(StringComparer.Ordinal).Chunk(DeleteChunk))
            {
                RedisKey[] scriptKeys = [_keys.FinishedComplete, _keys.FinishedFailed, _keys.FinishedAborted, .. chunk.SelectMany(k => (RedisKey[])[RedisJobIds.For(QueueName, k), _keys.Attempts(k)])];
                var ids = (RedisResult[])(await _db.ScriptEvaluateAsync(RedisScripts.DeleteFinished, scriptKeys).ConfigureAwait(false))!;
                deleted.AddRange(ids.Select(id => RedisJobIds.KeyOf(QueueName, (string)id!)).OfType<string>());
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        return deleted;
    }
}

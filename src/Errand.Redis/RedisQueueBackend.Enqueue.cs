using System.Globalization;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Enqueue: one Lua script, as SAQ's.</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
        _ = SendPending();
        var (status, queued) = (job.Status, job.Queued);
        job.Status = JobStatus.Queued;
        job.Queued = NowMs;
        RedisResult result;
        try
        {
            result = await _db.ScriptEvaluateAsync(
                RedisScripts.Enqueue,
                [_keys.Incomplete, job.Id, _keys.Queued, RedisKeys.Abort(job.Key)],
                [JobDocument.Serialize(job), job.Scheduled.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            (job.Status, job.Queued) = (status, queued);
            throw Unavailable(ex);
        }

        if (result.Resp2Type == ResultType.Integer)
        {
            return new EnqueueResult(job, Enqueued: true);
        }

        (job.Status, job.Queued) = (status, queued);
        var stored = (byte[]?)result;

        // A key held only by its abort marker has no document left to return: hand back the caller's job.
        return new EnqueueResult(stored is null ? job : JobDocument.Deserialize(stored, job.Id, QueueName), Enqueued: false);
    }
}

using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// Enqueue: SAQ's script, for a batch. The first enqueue goes at once; those that come while a call is on its way go
/// together in the next one, so many callers at once cost one round trip, and one caller alone waits for nothing.
/// </content>
public sealed partial class RedisQueueBackend
{
    private const int MaxEnqueueBatch = 500;
    private readonly Lock _enqueueLock = new();
    private List<PendingEnqueue> _enqueues = [];
    private bool _enqueuing;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
        _ = SendPending();
        try
        {
            await KnowClusterAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        var (status, queued) = (job.Status, job.Queued);
        job.Status = JobStatus.Queued;
        job.Queued = NowMs;
        var pending = new PendingEnqueue(_keys.JobId(job.Key), AbortMarker(job.Key), JobDocument.Serialize(job), job.Scheduled);
        bool send;
        lock (_enqueueLock)
        {
            _enqueues.Add(pending);
            send = !_enqueuing;
            _enqueuing = true;
        }

        if (send)
        {
            _ = EnqueueLoopAsync();
        }

        RedisResult result;
        try
        {
            result = await pending.Done.Task.ConfigureAwait(false);
        }
        catch
        {
            (job.Status, job.Queued) = (status, queued);
            throw;
        }

        if (result.Resp2Type == ResultType.Integer)
        {
            return new EnqueueResult(job, Enqueued: true);
        }

        (job.Status, job.Queued) = (status, queued);
        var stored = (byte[]?)result;

        // A key held only by its abort marker has no document left to return: hand back the caller's job.
        return new EnqueueResult(stored is null ? job : JobDocument.Deserialize(stored, job.Key, QueueName), Enqueued: false);
    }

    private async Task EnqueueLoopAsync()
    {
        while (true)
        {
            List<PendingEnqueue> batch;
            lock (_enqueueLock)
            {
                if (_enqueues.Count == 0)
                {
                    _enqueuing = false;
                    return;
                }

                if (_enqueues.Count <= MaxEnqueueBatch)
                {
                    (batch, _enqueues) = (_enqueues, []);
                }
                else
                {
                    // A burst of many callers goes in calls of a bounded size, so that none holds Redis for long.
                    batch = _enqueues[..MaxEnqueueBatch];
                    _enqueues.RemoveRange(0, MaxEnqueueBatch);
                }
            }

            var keys = new RedisKey[2 + (2 * batch.Count)];
            var values = new RedisValue[2 * batch.Count];
            keys[0] = _keys.Incomplete;
            keys[1] = _keys.Queued;
            for (var i = 0; i < batch.Count; i++)
            {
                keys[2 + (2 * i)] = batch[i].Id;
                keys[3 + (2 * i)] = batch[i].AbortMarker;
                values[2 * i] = batch[i].Document;
                values[(2 * i) + 1] = batch[i].Scheduled;
            }

            try
            {
                var results = (RedisResult[])(await EvaluateAsync(RedisScripts.Enqueue, keys, values).ConfigureAwait(false))!;
                await ConfirmReplicatedAsync().ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                var error = IsUnavailable(ex) ? Unavailable(ex) : ex;
                foreach (var enqueue in batch)
                {
                    enqueue.Done.TrySetException(error);
                }
            }
        }
    }
}

using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// Abort, an operator's retry, and the sweeper's decisions: each reads the stored document, decides on it, and writes in
/// one transaction that runs only if the document is still the one read (compare and set); else it reads again. So a
/// caller's stale copy is never written back over a job its worker finished in the same moment.
/// </content>
public sealed partial class RedisQueueBackend
{
    private const int MaxCasRounds = 50;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<AbortResult> AbortAsync(Job job, string reason, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        ArgumentNullException.ThrowIfNull(reason);
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        try
        {
            await KnowClusterAsync().ConfigureAwait(false);
            for (var round = 0; ; round++)
            {
                if (await ReadForChangeAsync(_keys.JobId(job.Key), round).ConfigureAwait(false) is not { } read)
                {
                    return AbortResult.NotFound;
                }

                var (raw, current) = read;
                if (current.Status.IsFinished())
                {
                    CopyOutcome(current, job);
                    return AbortResult.AlreadyFinished;
                }

                // SAQ's abort transaction, run only if the document is unchanged. Removing the id from active in the
                // same transaction either way stores what SAQ stores, and tells whether the job was waiting or running.
                current.Status = JobStatus.Aborting;
                current.Error = reason;
                var transaction = _db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(_keys.JobId(job.Key), raw));
                var dequeued = transaction.ListRemoveAsync(_keys.Queued, _keys.JobId(job.Key));
                var incomplete = transaction.SortedSetRemoveAsync(_keys.Incomplete, _keys.JobId(job.Key));
                var active = transaction.ListRemoveAsync(_keys.Active, _keys.JobId(job.Key));
                _ = transaction.SetRemoveAsync(_keys.Retrying, _keys.JobId(job.Key)); // an aborting job is retrying no more
                _ = transaction.StringSetAsync(_keys.JobId(job.Key), JobDocument.Serialize(current));
                _ = transaction.StringSetAsync(AbortMarker(job.Key), reason, _options.AbortMarkerTtl);
                _ = transaction.PublishAsync(RedisChannel.Literal(_keys.JobId(job.Key)), "aborting");
                if (!await transaction.ExecuteAsync().ConfigureAwait(false))
                {
                    continue;
                }

                // SAQ treats only a queued job as not started; a scheduled one (or one waiting for a retry delay) is
                // not running either, and no worker would ever finish it. Out of every list now, no worker can take it.
                var waiting = await dequeued.ConfigureAwait(false) > 0
                    || (await incomplete.ConfigureAwait(false) && await active.ConfigureAwait(false) == 0);
                if (waiting)
                {
                    await FinishAbortedAsync(_keys.JobId(job.Key), JobDocument.Serialize(current), current).ConfigureAwait(false);
                    await _db.KeyDeleteAsync(AbortMarker(job.Key)).ConfigureAwait(false);
                }

                else
                {
                    // Out of the active list as SAQ's abort leaves it: remembered, so that the sweeper ends it if its
                    // worker is gone and never does.
                    await _db.SortedSetAddAsync(_keys.AbortedRunning, _keys.JobId(job.Key), NowMs).ConfigureAwait(false);
                }

                CopyOutcome(current, job);
                return waiting ? AbortResult.Aborted : AbortResult.Aborting;
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<Job?> RequeueAsync(string key, bool force, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        var id = RedisJobIds.For(QueueName, key);
        try
        {
            for (var round = 0; ; round++)
            {
                if (await ReadForChangeAsync(id, round).ConfigureAwait(false) is not { } read)
                {
                    return null;
                }

                var (raw, current) = read;
                if (!force && !current.Status.IsFinished())
                {
                    throw new JobNotRetryableException(key, current.Status);
                }

                if (await ChangeAsync(raw, current, JobStatus.Queued, TimeSpan.Zero, endsAttempt: false).ConfigureAwait(false))
                {
                    return current;
                }
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task ClearAbortAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await KnowClusterAsync().ConfigureAwait(false);
            await _db.KeyDeleteAsync(AbortMarker(key)).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    // Ends as aborted a waiting job that the abort just took out of every list; should anything have written it in
    // between, it is read again, so that it is never left 'aborting' in no list.
    private async Task FinishAbortedAsync(string id, byte[] written, Job aborting)
    {
        for (var round = 0; !await ChangeAsync(written, aborting, JobStatus.Aborted, TimeSpan.Zero, endsAttempt: false).ConfigureAwait(false); round++)
        {
            if (await ReadForChangeAsync(id, round).ConfigureAwait(false) is not { } read || read.Job.Status.IsFinished())
            {
                return;
            }

            (written, aborting) = (read.Raw, read.Job);
            aborting.Error ??= "aborted";
        }
    }

    private static void CopyOutcome(Job from, Job to)
    {
        to.Status = from.Status;
        to.Error = from.Error;
        to.Completed = from.Completed;
    }

    /// <summary>Reads a document to change it; <see langword="null"/> when there is none. A corrupt one throws, as a read does.</summary>
    private async Task<(byte[] Raw, Job Job)?> ReadForChangeAsync(string id, int round)
    {
        if (round >= MaxCasRounds)
        {
            throw new RedisException($"Job {id} kept changing while it was being changed; gave up after {MaxCasRounds} tries.");
        }

        var raw = (byte[]?)await _db.StringGetAsync(id).ConfigureAwait(false);
        return raw is null ? null : (raw, JobDocument.Deserialize(raw, RedisJobIds.KeyOf(QueueName, id) ?? id, QueueName));
    }

    /// <summary>
    /// Queues <paramref name="job"/> again (status <see cref="JobStatus.Queued"/>, after <paramref name="delay"/>) or ends it
    /// (<see cref="JobStatus.Failed"/>, <see cref="JobStatus.Aborted"/>, <see cref="JobStatus.Complete"/>), as SAQ's retry and
    /// finish store it, in one transaction that runs only if the stored document is still <paramref name="expected"/>.
    /// </summary>
    /// <returns>Whether it ran.</returns>
    /// <remarks>With <paramref name="endsAttempt"/> (a worker's retry, the sweeper), the running attempt's record goes on the job's attempts.</remarks>
    private async Task<bool> ChangeAsync(byte[] expected, Job job, JobStatus status, TimeSpan delay, bool endsAttempt)
    {
        var now = NowMs;
        var transaction = _db.CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(_keys.JobId(job.Key), expected));
        _ = transaction.ListRemoveAsync(_keys.Active, _keys.JobId(job.Key));
        _ = transaction.ListRemoveAsync(_keys.Queued, _keys.JobId(job.Key));
        if (status == JobStatus.Queued)
        {
            WriteRetry(transaction, job, delay, now, endsAttempt);
        }
        else
        {
            WriteFinish(transaction, job, status, now, endsAttempt);
        }

        ReleaseLimitsIn(transaction, _keys.JobId(job.Key));
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }
}

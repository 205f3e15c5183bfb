using Errand.Backends;

namespace Errand.Redis;

/// <content>
/// The attempts of a job, in Errand's list <c>errand:QUEUE:attempts:KEY</c>: a record pushed by the call that ends an
/// attempt (the cycle script, a retry's transaction, the sweeper's), the last <see cref="JobAttempt.MaxKept"/> kept,
/// expiring with the job's document.
/// </content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<JobAttempt>> GetAttemptsAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // One round trip: the document says which records are the stored job's.
            var batch = _db.CreateBatch();
            var document = batch.StringGetAsync(_keys.JobId(key));
            var records = batch.ListRangeAsync(_keys.Attempts(key));
            batch.Execute();
            var raw = (byte[]?)await document.ConfigureAwait(false);
            var entries = await records.ConfigureAwait(false);
            if (raw is null)
            {
                return [];
            }

            Job? job;
            try
            {
                job = JobDocument.Deserialize(raw, key, QueueName);
            }
            catch (CorruptJobException)
            {
                job = null;
            }

            var read = entries.Select(e => AttemptRecord.TryDeserialize((byte[])e!)).OfType<JobAttempt>().ToList();
            var current = AttemptRecord.OfCurrentJob(read, job?.Attempts ?? int.MaxValue);

            // A first attempt that completed is stored without a record (the cycle script's cheap case): its document holds it.
            return current.Count == 0 && job is { Status: JobStatus.Complete, Attempts: 1 }
                ? [JobAttempt.Of(job, JobStatus.Complete, job.Completed)]
                : current;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}

using Errand.Backends;

namespace Errand.Postgres;

/// <content>The attempts of a job, in Errand's <c>errand_attempts</c>: written with the finish or retry that ends an attempt (none for a first attempt that completes: its document says it), deleted with the job.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<JobAttempt>> GetAttemptsAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);

        // A job enqueued again under the key of a finished one counts its attempts from 1 again: the rows beyond its
        // attempts are the old job's, left until they are overwritten or deleted with the key. The document comes with
        // the first row (a job with no record has one row, of the document alone).
        var rows = await QueryAsync(
            $"""
            SELECT a.attempt, a.started_ms, a.ended_ms, a.worker_id, a.status, a.error,
                CASE WHEN row_number() OVER (ORDER BY a.attempt) = 1 THEN j.job END
            FROM {_tables.Jobs} AS j LEFT JOIN {_tables.Attempts} AS a ON a.key = j.key AND a.queue = $2
            WHERE j.key = $1 AND j.queue = $2
            ORDER BY a.attempt
            """,
            r => (Attempt: r.IsDBNull(0) ? (int?)null : r.GetInt32(0), Started: r.IsDBNull(1) ? (long?)null : r.GetInt64(1), Ended: r.IsDBNull(2) ? 0 : r.GetInt64(2), Worker: r.IsDBNull(3) ? null : r.GetString(3), Status: r.IsDBNull(4) ? null : r.GetString(4), Error: r.IsDBNull(5) ? null : r.GetString(5), Job: r.IsDBNull(6) ? null : (byte[])r.GetValue(6)),
            cancellationToken,
            key,
            QueueName).ConfigureAwait(false);
        Job? job = null;
        if (rows.Count > 0 && rows[0].Job is { } document)
        {
            try
            {
                job = JobDocument.Deserialize(document, key, QueueName);
            }
            catch (CorruptJobException)
            {
                // Every record is shown.
            }
        }

        var current = job?.Attempts ?? int.MaxValue;
        var attempts = new List<JobAttempt>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Attempt is { } attempt && attempt <= current && JobStatusExtensions.TryParseWire(row.Status, out var outcome))
            {
                attempts.Add(new JobAttempt(
                    attempt,
                    row.Started is { } started ? DateTimeOffset.FromUnixTimeMilliseconds(started) : null,
                    DateTimeOffset.FromUnixTimeMilliseconds(row.Ended),
                    row.Worker,
                    outcome,
                    row.Error));
            }
        }

        // A first attempt that completed is stored without a record (the finish's cheap case): its document holds it.
        if (attempts.Count == 0 && job is { Status: JobStatus.Complete, Attempts: 1 })
        {
            attempts.Add(JobAttempt.Of(job, JobStatus.Complete, job.Completed));
        }

        return attempts;
    }
}

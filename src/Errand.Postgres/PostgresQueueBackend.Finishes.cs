using System.Collections.Concurrent;
using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>
/// The finish of a job whose row is still exactly as this backend last wrote it: one conditional statement for the
/// finishes made together, instead of locking the rows to judge them.
/// </content>
public sealed partial class PostgresQueueBackend
{
    // Finishes per statement at most; more wait for the next one.
    private const int MaxFinishBatch = 500;

    // What this backend last wrote to each row it holds (the take's active mark, a heartbeat): a hint, never trusted.
    // The statement changes a row only while it is still stored exactly so, which is the proof that no one else (an
    // abort, the sweeper, another worker) has changed it, so the attempt is still the current one.
    private readonly ConcurrentDictionary<string, WrittenRow> _written = new(StringComparer.Ordinal);

    private readonly KeyedBatches<PendingFinish> _finishes = new(p => p.Job.Key, MaxFinishBatch, inOrder: false);

    /// <summary>Remembers what this backend wrote to the row of <paramref name="job"/> for its attempt.</summary>
    private void RememberWritten(Job job, byte[] document, JobStatus column) =>
        _written[job.Key] = new WrittenRow(document, column.ToWire(), job.Attempts);

    /// <summary>Forgets what was written for <paramref name="job"/>'s attempt (a later attempt's entry stays).</summary>
    private void ForgetWritten(Job job)
    {
        if (_written.TryGetValue(job.Key, out var written) && written.Attempts == job.Attempts)
        {
            _written.TryRemove(new KeyValuePair<string, WrittenRow>(job.Key, written));
        }
    }

    /// <summary>
    /// Finishes <paramref name="job"/> with one conditional statement when its row is as this backend last wrote it for
    /// this attempt; <see langword="false"/> when it is not (or was never written here), and nothing was stored.
    /// </summary>
    private async Task<bool> TryFinishAsWrittenAsync(Job job, JobStatus status, CancellationToken cancellationToken)
    {
        if (job.Ttl < 0 || !_written.TryGetValue(job.Key, out var written) || written.Attempts != job.Attempts)
        {
            return false;
        }

        var (wasStatus, wasCompleted, wasProgress) = (job.Status, job.Completed, job.Progress);
        var nowMs = NowMs;
        job.Status = status;
        job.Completed = nowMs;
        if (status == JobStatus.Complete)
        {
            job.Progress = 1.0;
        }

        var pending = new PendingFinish(job, written, JobDocument.Serialize(job), job.Ttl > 0 ? Seconds(nowMs) + job.Ttl : null, nowMs, JobAttempt.Of(job, status, nowMs));
        if (_finishes.Add(pending))
        {
            await FlushFinishesAsync().ConfigureAwait(false);
        }

        if (await pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            ForgetWritten(job);
            return true;
        }

        // Not stored: the job is as it was, for the judgement on the locked row.
        (job.Status, job.Completed, job.Progress) = (wasStatus, wasCompleted, wasProgress);
        return false;
    }

    // Sends what is pending, one statement; hands what came meanwhile to the next flush, off this caller's path.
    private async Task FlushFinishesAsync()
    {
        var batch = _finishes.Take();

        try
        {
            var finished = await SendFinishesAsync(batch).ConfigureAwait(false);
            foreach (var pending in batch)
            {
                pending.Result.TrySetResult(finished.Contains(pending.Job.Key));
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            // Nothing was stored: each finish is judged on its locked row instead.
            foreach (var pending in batch)
            {
                pending.Result.TrySetResult(false);
            }
        }
        catch (Exception ex)
        {
            var error = IsUnavailable(ex) ? Unavailable(ex) : ex;
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(error);
            }
        }

        if (_finishes.Sent())
        {
            _ = Task.Run(FlushFinishesAsync);
        }
    }

    // The row, the index of finished jobs, the suspects and due entries, the attempt's record (the last 25 kept; none for
    // a first attempt that completes, whose document holds it all: an older job's records under the key go), the
    // per-minute and per-hour history and the notifications, as
    // StoreFinish writes them, for the rows still stored as written; returns their keys. The rows are updated in key
    // order (the order the batches of row changes lock theirs in) without being locked first: a row another writer
    // changes meanwhile is judged again on its new version and left out. Should the plan not keep the order and the two
    // wait for each other, PostgreSQL breaks the deadlock and these finishes are judged on their locked rows instead.
    // Each row is found by its key alone: the queue, status and document are compared with IS NOT DISTINCT FROM (the
    // same as = here, every one NOT NULL), which no index can use. With `=`, the planner of a table not yet analyzed
    // walked SAQ's (status, queue, ...) indexes instead: through every active row of the queue for each finish (37
    // buffer hits a job at concurrency 50, most of the statement's time), or, the status alone left out, through every
    // ready row of the queue once per statement; the primary key finds a row in 3.
    private async Task<HashSet<string>> SendFinishesAsync(List<PendingFinish> batch)
    {
        var sql = $"""
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bytea[], $5::text[], $6::bigint[], $7::bigint[], $10::int[], $11::bigint[], $12::text[], $13::text[])
                    WITH ORDINALITY AS i(key, written, written_status, job, status, expire_at, completed_ms, attempt, started_ms, worker_id, error, n)),
            done AS (
                UPDATE {_tables.Jobs} AS j SET job = i.job, status = i.status, expire_at = i.expire_at
                FROM (SELECT * FROM input ORDER BY key) AS i
                WHERE j.key = i.key AND j.queue IS NOT DISTINCT FROM $8 AND j.status IS NOT DISTINCT FROM i.written_status AND j.job IS NOT DISTINCT FROM i.written
                RETURNING j.key, i.status, i.completed_ms, i.n, i.attempt, i.started_ms, i.worker_id, i.error),
            indexed AS (
                INSERT INTO {_tables.Finished} (key, queue, status, completed_ms)
                SELECT d.key, $8, d.status, d.completed_ms FROM done AS d
                ON CONFLICT (key) DO UPDATE SET queue = EXCLUDED.queue, status = EXCLUDED.status, completed_ms = EXCLUDED.completed_ms),
            cleared AS (
                DELETE FROM {_tables.Suspects} AS s USING done AS d WHERE s.key = d.key),
            not_due AS (
                DELETE FROM {_tables.Due} AS x USING done AS d WHERE x.key = d.key),
            recorded AS (
                INSERT INTO {_tables.Attempts} (key, attempt, queue, started_ms, ended_ms, worker_id, status, error)
                SELECT d.key, d.attempt, $8, d.started_ms, d.completed_ms, d.worker_id, d.status, d.error FROM done AS d
                WHERE NOT (d.attempt = 1 AND d.status = 'complete')
                ON CONFLICT (key, attempt) DO UPDATE SET queue = EXCLUDED.queue, started_ms = EXCLUDED.started_ms, ended_ms = EXCLUDED.ended_ms,
                    worker_id = EXCLUDED.worker_id, status = EXCLUDED.status, error = EXCLUDED.error),
            trimmed AS (
                DELETE FROM {_tables.Attempts} AS a USING done AS d
                WHERE a.key = d.key AND (a.attempt <= d.attempt - {JobAttempt.MaxKept} OR (d.attempt = 1 AND d.status = 'complete'))),
            counted_hourly AS (
                INSERT INTO {_tables.HourlyHistory} AS h (queue, hour, complete, failed, retried, aborted)
                SELECT $8, d.completed_ms / 3600000, count(*) FILTER (WHERE d.status = 'complete'), count(*) FILTER (WHERE d.status = 'failed'),
                    0, count(*) FILTER (WHERE d.status = 'aborted')
                FROM done AS d GROUP BY d.completed_ms / 3600000
                ON CONFLICT (queue, hour) DO UPDATE SET complete = h.complete + EXCLUDED.complete, failed = h.failed + EXCLUDED.failed,
                    aborted = h.aborted + EXCLUDED.aborted),
            counted AS (
                INSERT INTO {_tables.History} AS h (queue, minute, complete, failed, retried, aborted)
                SELECT $8, d.completed_ms / 60000, count(*) FILTER (WHERE d.status = 'complete'), count(*) FILTER (WHERE d.status = 'failed'),
                    0, count(*) FILTER (WHERE d.status = 'aborted')
                FROM done AS d GROUP BY d.completed_ms / 60000
                ON CONFLICT (queue, minute) DO UPDATE SET complete = h.complete + EXCLUDED.complete, failed = h.failed + EXCLUDED.failed,
                    aborted = h.aborted + EXCLUDED.aborted),
            notified AS (
                SELECT pg_notify($9, string_agg(l.line, E'\n' ORDER BY l.n))
                FROM (SELECT d.n, d.status || ' ' || d.key AS line, sum(octet_length(d.key) + 10) OVER (ORDER BY d.n) / {SqlPayloadBytes} AS part
                      FROM done AS d) AS l
                GROUP BY l.part)
            SELECT d.key, (SELECT count(*) FROM notified) FROM done AS d
            """;
        var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlBatch(connection);
        command.BatchCommands.Add(Command(
            sql,
            ArrayParameter(batch.Select(p => p.Job.Key), NpgsqlDbType.Text),
            ArrayParameter(batch.Select(p => p.Written.Document), NpgsqlDbType.Bytea),
            ArrayParameter(batch.Select(p => p.Written.Status), NpgsqlDbType.Text),
            ArrayParameter(batch.Select(p => p.Document), NpgsqlDbType.Bytea),
            ArrayParameter(batch.Select(p => p.Job.Status.ToWire()), NpgsqlDbType.Text),
            ArrayParameter(batch.Select(p => p.ExpireAt), NpgsqlDbType.Bigint),
            ArrayParameter(batch.Select(p => p.NowMs), NpgsqlDbType.Bigint),
            QueueName,
            _errandChannel,
            ArrayParameter(batch.Select(p => p.Attempt.Attempt), NpgsqlDbType.Integer),
            ArrayParameter(batch.Select(p => p.Attempt.Started?.ToUnixTimeMilliseconds()), NpgsqlDbType.Bigint),
            ArrayParameter(batch.Select(p => p.Attempt.WorkerId), NpgsqlDbType.Text),
            ArrayParameter(batch.Select(p => p.Attempt.Error), NpgsqlDbType.Text)));

        // Not cancelled: once sent, every caller's outcome is read.
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            finished.Add(reader.GetString(0));
        }

        return finished;
    }

    /// <summary>What this backend last wrote to a row it holds: the document, the status column, and for which attempt.</summary>
    private sealed record WrittenRow(byte[] Document, string Status, int Attempts);

    /// <summary>A finish waiting to go out with the next statement of finishes.</summary>
    private sealed record PendingFinish(Job Job, WrittenRow Written, byte[] Document, long? ExpireAt, long NowMs, JobAttempt Attempt)
    {
        /// <summary>Gets whether the row was still as written and is now finished.</summary>
        public TaskCompletionSource<bool> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

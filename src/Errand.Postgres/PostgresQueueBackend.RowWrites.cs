using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>The writes of a batch of row changes, stored as one statement per kind of write rather than per job.</content>
public sealed partial class PostgresQueueBackend
{
    /// <summary>
    /// What the changes of one batch store, gathered by kind (rows written, rows deleted, finished-index entries, ...) and
    /// sent as one set-based statement per kind. Every change of a batch is of its own key, so writes of different kinds
    /// never touch the same row of one table, and their order between kinds does not matter; the status notifications
    /// keep the changes' order.
    /// </summary>
    internal sealed class RowWrites(PostgresQueueBackend backend)
    {
        private readonly List<(string Key, byte[] Document, string Status, long? Scheduled, long? ExpireAt, string Queue)> _rows = [];
        private readonly List<string> _deleted = [];
        private readonly List<(string Key, string Status, long CompletedMs)> _finished = [];
        private readonly List<string> _unfinished = [];
        private readonly List<string> _cleared = [];
        private readonly List<(string Key, long Scheduled)> _due = [];
        private readonly List<string> _notDue = [];
        private readonly List<(string Key, long ExpiresAtMs)> _aborts = [];
        private readonly List<(long Minute, JobStatus Outcome)> _outcomes = [];
        private readonly List<(string Key, JobStatus Status)> _changes = [];
        private readonly List<(string Key, JobAttempt Attempt)> _attempts = [];
        private int _wakes;

        /// <summary>Gets a mark of what is written so far, for <see cref="Undo"/>.</summary>
        public Mark Here => new(
            _rows.Count, _deleted.Count, _finished.Count, _unfinished.Count, _cleared.Count, _due.Count, _notDue.Count, _aborts.Count, _outcomes.Count, _changes.Count, _wakes, _attempts.Count);

        /// <summary>Drops what was written after <paramref name="mark"/>: a change that failed half-way stores nothing.</summary>
        public void Undo(Mark mark)
        {
            Cut(_rows, mark.Rows);
            Cut(_deleted, mark.Deleted);
            Cut(_finished, mark.Finished);
            Cut(_unfinished, mark.Unfinished);
            Cut(_cleared, mark.Cleared);
            Cut(_due, mark.Due);
            Cut(_notDue, mark.NotDue);
            Cut(_aborts, mark.Aborts);
            Cut(_outcomes, mark.Outcomes);
            Cut(_changes, mark.Changes);
            _wakes = mark.Wakes;
            Cut(_attempts, mark.Attempts);
        }

        /// <summary>
        /// Records the attempt of <paramref name="job"/> that ends as <paramref name="outcome"/>: a row of Errand's attempts,
        /// the last 25 kept; a first attempt that completes has none (the reader makes it from the document), and the
        /// records of an older job under the key go.
        /// </summary>
        public void Attempt(Job job, JobStatus outcome, long nowMs) => _attempts.Add((job.Key, JobAttempt.Of(job, outcome, nowMs)));

        /// <summary>Writes the row of <paramref name="job"/>: its document, status column and schedule.</summary>
        /// <remarks>A <see langword="null"/> <paramref name="scheduled"/> keeps the stored one.</remarks>
        /// <returns>The document written.</returns>
        public byte[] Row(Job job, JobStatus column, long? scheduled, long? expireAt)
        {
            var document = JobDocument.Serialize(job);
            _rows.Add((job.Key, document, column.ToWire(), scheduled, expireAt, job.Queue));
            return document;
        }

        /// <summary>Deletes the row of <paramref name="key"/>.</summary>
        public void Delete(string key) => _deleted.Add(key);

        /// <summary>Enters <paramref name="key"/> in the index of finished jobs.</summary>
        public void Finished(string key, JobStatus status, long completedMs) => _finished.Add((key, status.ToWire(), completedMs));

        /// <summary>Takes <paramref name="key"/> out of the index of finished jobs.</summary>
        public void Unfinished(string key) => _unfinished.Add(key);

        /// <summary>Forgets that the sweeper suspected <paramref name="key"/>.</summary>
        public void Cleared(string key) => _cleared.Add(key);

        /// <summary>Remembers that <paramref name="key"/> comes due at <paramref name="scheduled"/> (epoch seconds), for the schedule tick.</summary>
        public void Due(string key, long scheduled) => _due.Add((key, scheduled));

        /// <summary>Forgets that <paramref name="key"/> comes due.</summary>
        public void NotDue(string key) => _notDue.Add(key);

        /// <summary>Sets the abort marker of <paramref name="key"/>, until <paramref name="expiresAtMs"/>.</summary>
        public void AbortMarker(string key, long expiresAtMs) => _aborts.Add((key, expiresAtMs));

        /// <summary>Counts <paramref name="outcome"/> (complete, failed, aborted, or queued for a retry) in the minute of <paramref name="nowMs"/>.</summary>
        public void Outcome(JobStatus outcome, long nowMs) => _outcomes.Add((nowMs / 60_000, outcome));

        /// <summary>Publishes that <paramref name="key"/> is now <paramref name="status"/> on the queue's Errand channel.</summary>
        public void Changed(string key, JobStatus status) => _changes.Add((key, status));

        /// <summary>Wakes idle dequeues of every process (SAQ's <c>saq:enqueue</c>).</summary>
        public void WakeIdle() => _wakes++;

        /// <summary>Adds the statements that store what was written to <paramref name="batch"/>.</summary>
        public void AddTo(NpgsqlBatch batch)
        {
            var tables = backend._tables;
            if (_rows.Count > 0)
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    UPDATE {tables.Jobs} AS j
                    SET job = u.job, status = u.status, scheduled = COALESCE(u.scheduled, j.scheduled), expire_at = u.expire_at, queue = u.queue
                    FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS u(key, job, status, scheduled, expire_at, queue)
                    WHERE j.key = u.key
                    """,
                    Texts(_rows.Select(r => r.Key)),
                    ArrayParameter(_rows.Select(r => r.Document), NpgsqlDbType.Bytea),
                    Texts(_rows.Select(r => r.Status)),
                    ArrayParameter(_rows.Select(r => r.Scheduled), NpgsqlDbType.Bigint),
                    ArrayParameter(_rows.Select(r => r.ExpireAt), NpgsqlDbType.Bigint),
                    Texts(_rows.Select(r => r.Queue))));
            }

            DeleteKeys(batch, tables.Jobs, _deleted);
            DeleteKeys(batch, tables.Attempts, _deleted);
            if (_attempts.Count > 0)
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    WITH input AS (
                        SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[])
                            AS a(key, attempt, started_ms, ended_ms, worker_id, status, error)),
                    recorded AS (
                        INSERT INTO {tables.Attempts} AS a (key, attempt, queue, started_ms, ended_ms, worker_id, status, error)
                        SELECT i.key, i.attempt, $8, i.started_ms, i.ended_ms, i.worker_id, i.status, i.error FROM input AS i
                        WHERE NOT (i.attempt = 1 AND i.status = 'complete')
                        ON CONFLICT (key, attempt) DO UPDATE SET queue = EXCLUDED.queue, started_ms = EXCLUDED.started_ms, ended_ms = EXCLUDED.ended_ms,
                            worker_id = EXCLUDED.worker_id, status = EXCLUDED.status, error = EXCLUDED.error)
                    DELETE FROM {tables.Attempts} AS a USING input AS i
                    WHERE a.key = i.key AND (a.attempt <= i.attempt - {JobAttempt.MaxKept} OR (i.attempt = 1 AND i.status = 'complete'))
                    """,
                    Texts(_attempts.Select(a => a.Key)),
                    ArrayParameter(_attempts.Select(a => a.Attempt.Attempt), NpgsqlDbType.Integer),
                    ArrayParameter(_attempts.Select(a => a.Attempt.Started?.ToUnixTimeMilliseconds()), NpgsqlDbType.Bigint),
                    ArrayParameter(_attempts.Select(a => a.Attempt.Ended.ToUnixTimeMilliseconds()), NpgsqlDbType.Bigint),
                    ArrayParameter(_attempts.Select(a => a.Attempt.WorkerId), NpgsqlDbType.Text),
                    Texts(_attempts.Select(a => a.Attempt.Outcome.ToWire())),
                    ArrayParameter(_attempts.Select(a => a.Attempt.Error), NpgsqlDbType.Text),
                    backend.QueueName));
            }
            if (_finished.Count > 0)
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    INSERT INTO {tables.Finished} (key, queue, status, completed_ms)
                    SELECT f.key, $4, f.status, f.completed_ms FROM unnest($1::text[], $2::text[], $3::bigint[]) AS f(key, status, completed_ms)
                    ON CONFLICT (key) DO UPDATE SET queue = EXCLUDED.queue, status = EXCLUDED.status, completed_ms = EXCLUDED.completed_ms
                    """,
                    Texts(_finished.Select(f => f.Key)),
                    Texts(_finished.Select(f => f.Status)),
                    ArrayParameter(_finished.Select(f => f.CompletedMs), NpgsqlDbType.Bigint),
                    backend.QueueName));
            }

            DeleteKeys(batch, tables.Finished, _unfinished);
            DeleteKeys(batch, tables.Suspects, _cleared);
            if (_due.Count > 0)
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    INSERT INTO {tables.Due} (key, queue, scheduled)
                    SELECT d.key, $3, d.scheduled FROM unnest($1::text[], $2::bigint[]) AS d(key, scheduled)
                    ON CONFLICT (key) DO UPDATE SET queue = EXCLUDED.queue, scheduled = EXCLUDED.scheduled
                    """,
                    Texts(_due.Select(d => d.Key)),
                    ArrayParameter(_due.Select(d => d.Scheduled), NpgsqlDbType.Bigint),
                    backend.QueueName));
            }

            DeleteKeys(batch, tables.Due, _notDue);
            if (_aborts.Count > 0)
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    INSERT INTO {tables.Aborts} (key, expires_at_ms)
                    SELECT * FROM unnest($1::text[], $2::bigint[])
                    ON CONFLICT (key) DO UPDATE SET expires_at_ms = EXCLUDED.expires_at_ms
                    """,
                    Texts(_aborts.Select(a => a.Key)),
                    ArrayParameter(_aborts.Select(a => a.ExpiresAtMs), NpgsqlDbType.Bigint)));
            }

            // One upsert per minute, every outcome counted at once (a batch rarely spans two minutes).
            foreach (var minute in _outcomes.GroupBy(o => o.Minute))
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    INSERT INTO {tables.History} AS h (queue, minute, complete, failed, retried, aborted) VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (queue, minute) DO UPDATE SET complete = h.complete + EXCLUDED.complete, failed = h.failed + EXCLUDED.failed,
                        retried = h.retried + EXCLUDED.retried, aborted = h.aborted + EXCLUDED.aborted
                    """,
                    backend.QueueName,
                    minute.Key,
                    (long)minute.Count(o => o.Outcome == JobStatus.Complete),
                    (long)minute.Count(o => o.Outcome == JobStatus.Failed),
                    (long)minute.Count(o => o.Outcome == JobStatus.Queued),
                    (long)minute.Count(o => o.Outcome is JobStatus.Aborted or JobStatus.Aborting)));
            }

            // The same per hour.
            foreach (var hour in _outcomes.GroupBy(o => o.Minute / 60))
            {
                batch.BatchCommands.Add(Command(
                    $"""
                    INSERT INTO {tables.HourlyHistory} AS h (queue, hour, complete, failed, retried, aborted) VALUES ($1, $2, $3, $4, $5, $6)
                    ON CONFLICT (queue, hour) DO UPDATE SET complete = h.complete + EXCLUDED.complete, failed = h.failed + EXCLUDED.failed,
                        retried = h.retried + EXCLUDED.retried, aborted = h.aborted + EXCLUDED.aborted
                    """,
                    backend.QueueName,
                    hour.Key,
                    (long)hour.Count(o => o.Outcome == JobStatus.Complete),
                    (long)hour.Count(o => o.Outcome == JobStatus.Failed),
                    (long)hour.Count(o => o.Outcome == JobStatus.Queued),
                    (long)hour.Count(o => o.Outcome is JobStatus.Aborted or JobStatus.Aborting)));
            }

            backend.ReadyRowsMayHaveChanged();
            foreach (var payload in Payloads(_changes))
            {
                batch.BatchCommands.Add(Command("SELECT pg_notify($1, $2)", backend._errandChannel, payload));
            }

            if (_wakes > 0)
            {
                batch.BatchCommands.Add(backend.NotifyEnqueue());
            }
        }

        private static void DeleteKeys(NpgsqlBatch batch, string table, List<string> keys)
        {
            if (keys.Count > 0)
            {
                batch.BatchCommands.Add(Command($"DELETE FROM {table} WHERE key = ANY ($1::text[])", Texts(keys)));
            }
        }

        private static NpgsqlParameter Texts(IEnumerable<string> values) => ArrayParameter(values, NpgsqlDbType.Text);

        private static void Cut<T>(List<T> list, int count) => list.RemoveRange(count, list.Count - count);

        /// <summary>How many writes of each kind there were at one point.</summary>
        public readonly record struct Mark(int Rows, int Deleted, int Finished, int Unfinished, int Cleared, int Due, int NotDue, int Aborts, int Outcomes, int Changes, int Wakes, int Attempts);
    }
}

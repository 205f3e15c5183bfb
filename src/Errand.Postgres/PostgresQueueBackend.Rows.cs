using System.Text;
using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>One job's change decided on its locked row, and the commands that store it.</content>
public sealed partial class PostgresQueueBackend
{
    // A NOTIFY payload is at most 8000 bytes; changes are cut into payloads well below.
    private const int MaxPayloadBytes = 7000;

    /// <summary>
    /// Locks the row of <paramref name="key"/> (<c>SELECT ... FOR UPDATE</c>), lets <paramref name="decide"/> judge it in
    /// this process, and stores what it decided in the same transaction: two round trips, and no other writer in between.
    /// </summary>
    private async Task<T> WithLockedRowAsync<T>(string key, Func<StoredRow?, List<NpgsqlBatchCommand>, T> decide, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            StoredRow? row = null;
            using (var read = new NpgsqlBatch(connection))
            {
                read.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
                read.BatchCommands.Add(Command($"SELECT key, queue, job, status FROM {_tables.Jobs} WHERE key = $1 FOR UPDATE", key));
                var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    row = ReadRow(reader, 0);
                }
            }

            var writes = new List<NpgsqlBatchCommand>();
            T result;
            try
            {
                result = decide(row, writes);
            }
            catch
            {
                await RollbackAsync(connection).ConfigureAwait(false);
                throw;
            }

            using var write = new NpgsqlBatch(connection);
            foreach (var command in writes)
            {
                write.BatchCommands.Add(command);
            }

            write.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

            // Not cancelled half-way: the decision is stored whole, or the transaction rolls back.
            await write.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private static async Task RollbackAsync(NpgsqlConnection connection)
    {
        try
        {
            using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            // The connection is gone, and its transaction with it.
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>Writes the row of <paramref name="job"/>: its document, status column and schedule, as one UPDATE.</summary>
    /// <remarks>A <see langword="null"/> <paramref name="scheduled"/> keeps the stored one.</remarks>
    private NpgsqlBatchCommand WriteRow(Job job, JobStatus column, long? scheduled, long? expireAt) => Command(
        $"UPDATE {_tables.Jobs} SET job = $2, status = $3, scheduled = COALESCE($4, scheduled), expire_at = $5, queue = $6 WHERE key = $1",
        job.Key,
        JobDocument.Serialize(job),
        column.ToWire(),
        scheduled,
        expireAt,
        job.Queue);

    /// <summary>Adds one to this minute's count of <paramref name="outcome"/> (complete, failed, aborted, or queued for a retry).</summary>
    private NpgsqlBatchCommand RecordHistory(JobStatus outcome, long nowMs)
    {
        var column = outcome switch
        {
            JobStatus.Complete => "complete",
            JobStatus.Failed => "failed",
            JobStatus.Queued => "retried",
            _ => "aborted",
        };
        return Command(
            $"INSERT INTO {_tables.History} AS h (queue, minute, {column}) VALUES ($1, $2, 1) ON CONFLICT (queue, minute) DO UPDATE SET {column} = h.{column} + 1",
            QueueName,
            nowMs / 60_000);
    }

    /// <summary>Publishes status changes on the queue's Errand channel, in order, delivered at commit.</summary>
    private void Notify(List<NpgsqlBatchCommand> writes, IEnumerable<(string Key, JobStatus Status)> changes)
    {
        foreach (var payload in Payloads(changes))
        {
            writes.Add(Command("SELECT pg_notify($1, $2)", _errandChannel, payload));
        }
    }

    /// <summary>Wakes idle dequeues of every process: SAQ's <c>saq:enqueue</c> on <c>saq:QUEUE</c>.</summary>
    private NpgsqlBatchCommand NotifyEnqueue() => Command("SELECT pg_notify($1, 'saq:enqueue')", _saqChannel);

    // One line per change, "status key"; lines are cut into payloads under NOTIFY's limit.
    private static List<string> Payloads(IEnumerable<(string Key, JobStatus Status)> changes)
    {
        var payloads = new List<string>();
        var current = new StringBuilder();
        foreach (var (key, status) in changes)
        {
            var line = status.ToWire() + " " + key;
            if (current.Length > 0 && Encoding.UTF8.GetByteCount(current.ToString()) + Encoding.UTF8.GetByteCount(line) + 1 > MaxPayloadBytes)
            {
                payloads.Add(current.ToString());
                current.Clear();
            }

            if (current.Length > 0)
            {
                current.Append('\n');
            }

            current.Append(line);
        }

        if (current.Length > 0)
        {
            payloads.Add(current.ToString());
        }

        return payloads;
    }
}

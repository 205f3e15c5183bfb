using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>One job's change decided on its locked row, and the commands that store it.</content>
public sealed partial class PostgresQueueBackend
{
    // A NOTIFY payload is at most 8000 bytes; changes are cut into payloads well below.
    private const int MaxPayloadBytes = 7000;

    // The same cut made in SQL (a running sum of the lines' lengths, divided by this): a payload can pass it by one
    // line, so it is lower.
    private const int SqlPayloadBytes = 4000;

    // Row changes per round trip at most; more wait for the next one.
    private const int MaxRowBatch = 200;

    // Times a batch of row changes is sent again after PostgreSQL chose it to break a deadlock.
    private const int MaxDeadlockRetries = 3;

    private readonly KeyedBatches<PendingRowChange> _rowChanges = new(c => c.Key, MaxRowBatch, inOrder: false);

    /// <summary>
    /// Locks the row of <paramref name="key"/> (<c>SELECT ... FOR UPDATE</c>), lets <paramref name="decide"/> judge it in
    /// this process, and stores what it decided in the same transaction: no other writer comes in between. Changes made
    /// while a round trip is on its way go together in the next one (two round trips for the batch), in call order.
    /// </summary>
    private async Task<T> WithLockedRowAsync<T>(string key, Func<StoredRow?, RowWrites, T> decide, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingRowChange(key, (row, writes) => decide(row, writes));
        if (_rowChanges.Add(pending))
        {
            await FlushRowsAsync().ConfigureAwait(false);
        }

        return (T)(await pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false))!;
    }

    // Sends a batch of pending changes, each of its own key (a second change of a key waits for the next batch, so that
    // it is decided on what the first stored); hands what is left to the next flush, off this caller's path.
    private async Task FlushRowsAsync()
    {
        var batch = _rowChanges.Take();
        await SendRowsAsync(batch).ConfigureAwait(false);
        if (_rowChanges.Sent())
        {
            _ = Task.Run(FlushRowsAsync);
        }
    }

    private async Task SendRowsAsync(List<PendingRowChange> batch)
    {
        var outcomes = new (object? Result, Exception? Error)[batch.Count];
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StoreRowsAsync(batch, outcomes).ConfigureAwait(false);
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < MaxDeadlockRetries)
            {
                // PostgreSQL rolled the batch back to break a circle of waits (an enqueue overwriting finished rows
                // locks them in call order): every change is decided again on the rows as they are now.
            }
            catch (Exception ex)
            {
                var error = IsUnavailable(ex) ? Unavailable(ex) : ex;
                foreach (var change in batch)
                {
                    change.Result.TrySetException(error);
                }

                return;
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                batch[i].Result.TrySetException(error);
            }
            else
            {
                batch[i].Result.TrySetResult(outcomes[i].Result);
            }
        }
    }

    // Locks the batch's rows, lets each change decide, and stores the decisions in the same transaction.
    private async Task StoreRowsAsync(List<PendingRowChange> batch, (object? Result, Exception? Error)[] outcomes)
    {
        var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var rows = new Dictionary<string, StoredRow>(StringComparer.Ordinal);
        using (var read = new NpgsqlBatch(connection))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));

            // Locked in key order, so that two batches never wait for each other in a circle.
            read.BatchCommands.Add(Command($"SELECT key, queue, job, status FROM {_tables.Jobs} WHERE key = ANY ($1::text[]) ORDER BY key FOR UPDATE", (object)batch.Select(c => c.Key).ToArray()));
            var reader = await read.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var row = ReadRow(reader, 0);
                rows[row.Key] = row;
            }
        }

        var writes = new RowWrites(this);
        for (var i = 0; i < batch.Count; i++)
        {
            var mark = writes.Here;
            try
            {
                outcomes[i] = (batch[i].Decide(rows.GetValueOrDefault(batch[i].Key), writes), null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // This change stores nothing; the others of the batch go on.
                writes.Undo(mark);
                outcomes[i] = (null, ex);
            }
        }

        using var write = new NpgsqlBatch(connection);
        writes.AddTo(write);
        write.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await write.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            // A parameter made by the caller (an array with its type) goes as it is.
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>An array parameter of <paramref name="type"/> elements (a <see langword="null"/> element is SQL's NULL).</summary>
    private static NpgsqlParameter ArrayParameter<T>(IEnumerable<T> values, NpgsqlDbType type) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | type };

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
        var bytes = 0;
        foreach (var (key, status) in changes)
        {
            var line = status.ToWire() + " " + key;
            var lineBytes = Encoding.UTF8.GetByteCount(line);
            if (current.Length > 0 && bytes + lineBytes + 1 > MaxPayloadBytes)
            {
                payloads.Add(current.ToString());
                current.Clear();
                bytes = 0;
            }

            if (current.Length > 0)
            {
                current.Append('\n');
                bytes++;
            }

            current.Append(line);
            bytes += lineBytes;
        }

        if (current.Length > 0)
        {
            payloads.Add(current.ToString());
        }

        return payloads;
    }
}

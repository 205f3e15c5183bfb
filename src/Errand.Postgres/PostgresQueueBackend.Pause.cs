using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>The paused flag: a row of Errand's <c>errand_paused</c> table per paused queue, its changes on the queue's Errand channel.</content>
public sealed partial class PostgresQueueBackend
{
    /// <summary>The payload of a pause on the queue's Errand channel (<c>errand:QUEUE</c>).</summary>
    internal const string PausedPayload = "errand:paused";

    /// <summary>The payload of a resume on the queue's Errand channel.</summary>
    internal const string ResumedPayload = "errand:resumed";

    private readonly PauseWatchers _pauseWatchers = new();

    /// <inheritdoc />
    /// <remarks>The row and the NOTIFY are written in one transaction: the notification is delivered when the flag is committed.</remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task SetPausedAsync(bool paused, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(
                paused
                    ? $"INSERT INTO {_tables.Paused} (queue) VALUES ($1) ON CONFLICT (queue) DO NOTHING"
                    : $"DELETE FROM {_tables.Paused} WHERE queue = $1",
                QueueName));
            batch.BatchCommands.Add(Command("SELECT pg_notify($1, $2)", _errandChannel, paused ? PausedPayload : ResumedPayload));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        // Without a listener (polling), this process's own watches hear it here.
        if (_options.PollInterval is not null)
        {
            _pauseWatchers.Notify(paused);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<bool> IsPausedAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {_tables.Paused} WHERE queue = $1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = QueueName });
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>Heard on the backend's LISTEN connection; with <see cref="PostgresBackendOptions.PollInterval"/> set (no listener), only this process's own changes are heard, and a worker reads the flag on its own.</remarks>
    public Task<IAsyncDisposable> WatchPausedAsync(Action<bool> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_pauseWatchers.Add(changed));
    }

    /// <summary>Hears a pause or a resume on the queue's Errand channel; returns whether the payload was one.</summary>
    private bool TryHearPause(string payload)
    {
        switch (payload)
        {
            case PausedPayload:
                _pauseWatchers.Notify(true);
                return true;
            case ResumedPayload:
                _pauseWatchers.Notify(false);
                return true;
            default:
                return false;
        }
    }
}

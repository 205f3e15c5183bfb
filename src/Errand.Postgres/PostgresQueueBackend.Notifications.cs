using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>LISTEN on one dedicated connection per backend, fanned out to idle dequeues and subscriptions.</content>
public sealed partial class PostgresQueueBackend
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(100);

    private readonly Lock _subscriptionsLock = new();
    private JobSubscription[] _subscriptions = [];
    private TaskCompletionSource _ready = NewSignal();
    private Task? _listener;

    private Task ReadySignal => Volatile.Read(ref _ready).Task;

    /// <inheritdoc />
    public Task<IJobSubscription> SubscribeAsync(IReadOnlyCollection<string>? keys, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var subscription = new JobSubscription(keys, Unsubscribe);
        lock (_subscriptionsLock)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        // The listener is in place since StartAsync: every change committed from now on is heard.
        return Task.FromResult<IJobSubscription>(subscription);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Wakes every waiting dequeue; each looks again and the losers wait on the next signal.
    private void SignalReady() => Interlocked.Exchange(ref _ready, NewSignal()).TrySetResult();

    // Without a listener, this process's own changes wake its waiters at once (other processes' at their next poll).
    private void SignalLocalReady(bool future)
    {
        if (_options.PollInterval is not null && !future)
        {
            SignalReady();
        }
    }

    private void Unsubscribe(JobSubscription subscription)
    {
        lock (_subscriptionsLock)
        {
            _subscriptions = [.. _subscriptions.Where(s => !ReferenceEquals(s, subscription))];
        }
    }

    private async Task StartListeningAsync(CancellationToken cancellationToken)
    {
        if (_options.PollInterval is not null || _listener is not null)
        {
            return;
        }

        var connection = await ListenAsync(cancellationToken).ConfigureAwait(false);
        _listener = Task.Run(() => ListenLoopAsync(connection, _disposing.Token), CancellationToken.None);
    }

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Notification += OnNotification;
            using var listen = new NpgsqlCommand($"LISTEN {PostgresTables.Quote(_saqChannel)}; LISTEN {PostgresTables.Quote(_errandChannel)}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Notification -= OnNotification;
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ListenLoopAsync(NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        var delay = FirstReconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (IsUnavailable(ex) || ex is InvalidOperationException or ObjectDisposedException)
            {
                connection.Notification -= OnNotification;
                await connection.DisposeAsync().ConfigureAwait(false);
                connection = await ReconnectAsync(ex, stoppingToken).ConfigureAwait(false) ?? connection;
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                delay = FirstReconnectDelay;
                PostgresLog.ListenConnectionRestored(_logger, QueueName, _endpoint);

                // Whatever was published while no one listened is lost: waiters look again, subscribers re-read.
                ReadyRowsMayHaveChanged();
                SignalReady();
                foreach (var subscription in Volatile.Read(ref _subscriptions))
                {
                    subscription.SignalChangesMissed();
                }
            }
        }

        connection.Notification -= OnNotification;
        await UnlistenAsync(connection).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);

        async Task<NpgsqlConnection?> ReconnectAsync(Exception lost, CancellationToken token)
        {
            PostgresLog.ListenConnectionLost(_logger, lost, QueueName, _endpoint, (long)delay.TotalMilliseconds);
            while (!token.IsCancellationRequested)
            {
                try
                {
                    // Real time on purpose: it paces reconnects, not job time.
                    await Task.Delay(delay, TimeProvider.System, token).ConfigureAwait(false);
                    return await ListenAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return null;
                }
                catch (Exception ex) when (IsUnavailable(ex) || ex is InvalidOperationException)
                {
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
                }
            }

            return null;
        }
    }

    // Pooled connections are not reset when they go back (No Reset On Close): the listening one stops listening first,
    // so that whoever takes it next is not sent this queue's notifications. A broken connection is not pooled again.
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await unlisten.ExecuteNonQueryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is broken, and the pool drops it.
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (string.Equals(e.Channel, _saqChannel, StringComparison.Ordinal))
        {
            if (string.Equals(e.Payload, "saq:enqueue", StringComparison.Ordinal))
            {
                ReadyRowsMayHaveChanged();
                SignalReady();
            }

            return;
        }

        if (!string.Equals(e.Channel, _errandChannel, StringComparison.Ordinal))
        {
            PostgresLog.NotificationIgnored(_logger, QueueName, e.Channel);
            return;
        }

        if (TryHearPause(e.Payload))
        {
            return;
        }

        if (string.Equals(e.Payload, "limits", StringComparison.Ordinal))
        {
            OnLimitsChanged();
            return;
        }

        var subscriptions = Volatile.Read(ref _subscriptions);
        var freed = false;
        foreach (var line in e.Payload.Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !JobStatusExtensions.TryParseWire(line.AsSpan(0, space), out var status))
            {
                PostgresLog.NotificationIgnored(_logger, QueueName, e.Channel);
                continue;
            }

            freed |= status != JobStatus.Active;
            if (status == JobStatus.Queued)
            {
                ReadyRowsMayHaveChanged();
            }

            var change = new JobStatusChange(line[(space + 1)..], status);
            foreach (var subscription in subscriptions)
            {
                subscription.Deliver(change);
            }
        }

        // On a limited queue a job that ends, is retried or is aborted frees its slots: idle dequeues look again.
        if (freed && Limited)
        {
            SignalReady();
        }
    }

    private async Task StopListeningAsync()
    {
        JobSubscription[] subscriptions;
        lock (_subscriptionsLock)
        {
            (subscriptions, _subscriptions) = (_subscriptions, []);
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Complete();
        }

        _pauseWatchers.Clear();
        if (_listener is { } listener)
        {
            try
            {
                await listener.ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUnavailable(ex) || ex is ObjectDisposedException or InvalidOperationException)
            {
                // The connection is going away with the backend.
            }
        }
    }
}

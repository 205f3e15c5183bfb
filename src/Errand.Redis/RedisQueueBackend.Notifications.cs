using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Notifications: one PSUBSCRIBE per backend, fanned out to every subscription.</content>
public sealed partial class RedisQueueBackend
{
    private readonly Lock _subscriptionsLock = new();
    private JobSubscription[] _subscriptions = [];
    private Task<ChannelMessageQueue>? _pattern;
    private bool _watchingReconnects;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IJobSubscription> SubscribeAsync(IReadOnlyCollection<string>? keys, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var subscription = new JobSubscription(keys, Unsubscribe);
        Task<ChannelMessageQueue> pattern;
        lock (_subscriptionsLock)
        {
            _subscriptions = [.. _subscriptions, subscription];
            if (!_watchingReconnects)
            {
                _multiplexer.ConnectionRestored += OnConnectionRestored;
                _watchingReconnects = true;
            }

            if (_pattern is null || _pattern.IsFaulted || _pattern.IsCanceled)
            {
                _pattern = SubscribePatternAsync();
            }

            pattern = _pattern;
        }

        try
        {
            await pattern.WaitAsync(cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch (Exception ex)
        {
            Unsubscribe(subscription);
            subscription.Complete();
            if (IsUnavailable(ex))
            {
                throw Unavailable(ex);
            }

            throw;
        }
    }

    private async Task<ChannelMessageQueue> SubscribePatternAsync()
    {
        var messages = await _multiplexer.GetSubscriber().SubscribeAsync(_keys.JobPattern).ConfigureAwait(false);

        // OnMessage hands messages over one at a time, in order.
        messages.OnMessage(Dispatch);
        return messages;
    }

    private void Dispatch(ChannelMessage message)
    {
        var channel = message.Channel.ToString();
        if (RedisJobIds.KeyOf(QueueName, channel) is not { } key
            || !JobStatusExtensions.TryParseWire(message.Message.ToString(), out var status))
        {
            RedisLog.NotificationIgnored(_logger, QueueName, channel);
            return;
        }

        var change = new JobStatusChange(key, status);
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.Deliver(change);
        }
    }

    // Messages published while the subscription connection was down are lost for good: every subscriber must read the
    // stored state again. Signalled after a PING on that connection, so after StackExchange.Redis has sent its
    // re-subscription there (commands on one connection run in order): a change after the re-read is heard.
    // Any connection, not the subscription one only: over RESP3 the messages come on the interactive connection.
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _ = SignalChangesMissedAsync();

    private async Task SignalChangesMissedAsync()
    {
        try
        {
            await _multiplexer.GetSubscriber().PingAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Signal anyway: a re-read that comes too early is made good by the waiters' periodic re-read.
        }

        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.SignalChangesMissed();
        }
    }

    private void Unsubscribe(JobSubscription subscription)
    {
        lock (_subscriptionsLock)
        {
            _subscriptions = [.. _subscriptions.Where(s => !ReferenceEquals(s, subscription))];
        }
    }

    private async Task CloseNotificationsAsync()
    {
        JobSubscription[] subscriptions;
        Task<ChannelMessageQueue>? pattern;
        lock (_subscriptionsLock)
        {
            (subscriptions, _subscriptions) = (_subscriptions, []);
            (pattern, _pattern) = (_pattern, null);
            if (_watchingReconnects)
            {
                _multiplexer.ConnectionRestored -= OnConnectionRestored;
                _watchingReconnects = false;
            }
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Complete();
        }

        if (pattern is { IsCompletedSuccessfully: true })
        {
            try
            {
                await pattern.Result.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection is going away; the server drops the subscription with it.
            }
        }
    }
}

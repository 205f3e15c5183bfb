using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Notifications: one PSUBSCRIBE per backend, fanned out to every subscription.</content>
public sealed partial class RedisQueueBackend
{
    private readonly Lock _subscriptionsLock = new();
    private JobSubscription[] _subscriptions = [];
    private Task<ChannelMessageQueue>? _pattern;

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
        if (JobIds.KeyOf(QueueName, channel) is not { } key
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

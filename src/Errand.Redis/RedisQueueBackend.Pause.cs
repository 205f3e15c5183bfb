using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>The paused flag: <c>errand:QUEUE:paused</c>, and its changes on the channel of the same name.</content>
public sealed partial class RedisQueueBackend
{
    private readonly PauseWatchers _pauseWatchers = new();
    private readonly Lock _pauseChannelLock = new();
    private Task<ChannelMessageQueue>? _pauseChannel;

    private string PausedChannelName => _keys.PausedChannel.ToString();

    /// <inheritdoc />
    /// <remarks>The flag and the message go in one transaction, the flag first: a worker that hears the message and reads the flag reads the new one.</remarks>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task SetPausedAsync(bool paused, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var transaction = _db.CreateTransaction();
        _ = paused ? transaction.StringSetAsync(_keys.Paused, "1") : transaction.KeyDeleteAsync(_keys.Paused);
        _ = transaction.PublishAsync(_keys.PausedChannel, paused ? "1" : "0");
        return ExecuteAsync(transaction);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<bool> IsPausedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await _db.KeyExistsAsync(_keys.Paused).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>One SUBSCRIBE per backend to the queue's pause channel, made on the first watch and shared by every one.</remarks>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IAsyncDisposable> WatchPausedAsync(Action<bool> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var watch = _pauseWatchers.Add(changed);
        Task<ChannelMessageQueue> channel;
        lock (_pauseChannelLock)
        {
            if (_pauseChannel is null || _pauseChannel.IsFaulted || _pauseChannel.IsCanceled)
            {
                _pauseChannel = SubscribePauseChannelAsync();
            }

            channel = _pauseChannel;
        }

        try
        {
            await channel.WaitAsync(cancellationToken).ConfigureAwait(false);
            return watch;
        }
        catch (Exception ex)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            if (IsUnavailable(ex))
            {
                throw Unavailable(ex);
            }

            throw;
        }
    }

    private async Task<ChannelMessageQueue> SubscribePauseChannelAsync()
    {
        var messages = await _multiplexer.GetSubscriber().SubscribeAsync(_keys.PausedChannel).ConfigureAwait(false);
        messages.OnMessage(message =>
        {
            var text = message.Message.ToString();
            if (text is "1" or "0")
            {
                _pauseWatchers.Notify(text == "1");
            }
            else
            {
                RedisLog.NotificationIgnored(_logger, QueueName, PausedChannelName);
            }
        });
        return messages;
    }

    private async Task ClosePauseChannelAsync()
    {
        _pauseWatchers.Clear();
        Task<ChannelMessageQueue>? channel;
        lock (_pauseChannelLock)
        {
            (channel, _pauseChannel) = (_pauseChannel, null);
        }

        if (channel is { IsCompletedSuccessfully: true })
        {
            try
            {
                await channel.Result.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection is going away; the server drops the subscription with it.
            }
        }
    }
}

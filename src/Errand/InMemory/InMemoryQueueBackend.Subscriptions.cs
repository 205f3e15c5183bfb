using Errand.Backends;

namespace Errand.InMemory;

/// <content>In-process fan-out of status changes.</content>
public sealed partial class InMemoryQueueBackend
{
    /// <inheritdoc />
    public Task<IJobSubscription> SubscribeAsync(IReadOnlyCollection<string>? keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var subscription = new JobSubscription(keys, Unsubscribe);
        lock (_gate)
        {
            ThrowIfDisposed();
            _subscriptions.Add(subscription);
        }

        return Task.FromResult<IJobSubscription>(subscription);
    }

    private void Unsubscribe(JobSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }
}

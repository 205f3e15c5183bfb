using System.Threading.Channels;
using Errand.Backends;

namespace Errand.InMemory;

/// <summary>One subscriber of an <see cref="InMemoryQueueBackend"/>: an unbounded channel, filtered by key.</summary>
internal sealed class InMemoryJobSubscription : IJobSubscription
{
    private readonly Channel<JobStatusChange> _channel = Channel.CreateUnbounded<JobStatusChange>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });
    private readonly HashSet<string>? _keys;
    private readonly Action<InMemoryJobSubscription> _unsubscribe;

    public InMemoryJobSubscription(IReadOnlyCollection<string>? keys, Action<InMemoryJobSubscription> unsubscribe)
    {
        _keys = keys is null ? null : new HashSet<string>(keys, StringComparer.Ordinal);
        _unsubscribe = unsubscribe;
    }

    public ChannelReader<JobStatusChange> Changes => _channel.Reader;

    // Called under the backend's lock, so changes keep the order in which they happened.
    public void Offer(JobStatusChange change)
    {
        if (_keys is null || _keys.Contains(change.Key))
        {
            _channel.Writer.TryWrite(change);
        }
    }

    public void Complete() => _channel.Writer.TryComplete();

    public ValueTask DisposeAsync()
    {
        _unsubscribe(this);
        Complete();
        return ValueTask.CompletedTask;
    }
}

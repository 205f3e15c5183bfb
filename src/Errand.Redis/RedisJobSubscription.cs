using System.Threading.Channels;
using Errand.Backends;

namespace Errand.Redis;

/// <summary>One subscriber's view of the backend's single pattern subscription: the changes of some keys, or of all.</summary>
internal sealed class RedisJobSubscription : IJobSubscription
{
    private readonly Channel<JobStatusChange> _changes = Channel.CreateUnbounded<JobStatusChange>();
    private readonly HashSet<string>? _keys;
    private readonly Action<RedisJobSubscription> _onDispose;

    public RedisJobSubscription(IReadOnlyCollection<string>? keys, Action<RedisJobSubscription> onDispose)
    {
        _keys = keys is null ? null : new HashSet<string>(keys, StringComparer.Ordinal);
        _onDispose = onDispose;
    }

    public ChannelReader<JobStatusChange> Changes => _changes.Reader;

    public void Deliver(JobStatusChange change)
    {
        if (_keys is null || _keys.Contains(change.Key))
        {
            _changes.Writer.TryWrite(change);
        }
    }

    public void Complete() => _changes.Writer.TryComplete();

    public ValueTask DisposeAsync()
    {
        _onDispose(this);
        Complete();
        return ValueTask.CompletedTask;
    }
}

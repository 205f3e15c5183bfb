using System.Threading.Channels;

namespace Errand.Backends;

/// <summary>A ready-made <see cref="IJobSubscription"/> for backend authors: an unbounded channel filtered by job key.</summary>
/// <remarks>The backend calls <see cref="Deliver"/> for every change it hears, <see cref="SignalChangesMissed"/> when
/// it may have lost some (its notification connection came back), and <see cref="Complete"/> when it closes.
/// Deliver changes in the order they happened; the channel keeps that order.</remarks>
public sealed class JobSubscription : IJobSubscription
{
    private readonly Channel<JobStatusChange> _changes = Channel.CreateUnbounded<JobStatusChange>();
    private readonly HashSet<string>? _keys;
    private readonly Action<JobSubscription> _onDispose;
    private TaskCompletionSource _missed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Initializes a subscription to <paramref name="keys"/>, or to every job when <see langword="null"/>.</summary>
    /// <param name="keys">The job keys to hear about, or <see langword="null"/>.</param>
    /// <param name="onDispose">Called once when the subscriber disposes it, so the backend stops delivering to it.</param>
    public JobSubscription(IReadOnlyCollection<string>? keys, Action<JobSubscription> onDispose)
    {
        ArgumentNullException.ThrowIfNull(onDispose);
        _keys = keys is null ? null : new HashSet<string>(keys, StringComparer.Ordinal);
        _onDispose = onDispose;
    }

    /// <inheritdoc />
    public ChannelReader<JobStatusChange> Changes => _changes.Reader;

    /// <inheritdoc />
    public Task ChangesMissed => Volatile.Read(ref _missed).Task;

    /// <summary>Gets a task that never completes: <see cref="IJobSubscription.ChangesMissed"/> of a backend that cannot lose a change.</summary>
    internal static Task NeverMissed { get; } = new TaskCompletionSource().Task;

    /// <summary>Tells the subscriber that changes may have been lost (the backend reconnected its notifications): <see cref="ChangesMissed"/> completes, and a new one is armed.</summary>
    public void SignalChangesMissed() =>
        Interlocked.Exchange(ref _missed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Passes <paramref name="change"/> on when it concerns one of the subscribed keys.</summary>
    /// <param name="change">The change.</param>
    public void Deliver(JobStatusChange change)
    {
        if (_keys is null || _keys.Contains(change.Key))
        {
            _changes.Writer.TryWrite(change);
        }
    }

    /// <summary>Ends the stream of changes; readers see the channel complete.</summary>
    public void Complete() => _changes.Writer.TryComplete();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _onDispose(this);
        Complete();
        return ValueTask.CompletedTask;
    }
}

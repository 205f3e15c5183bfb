using System.Threading.Channels;

namespace Errand.Backends;

/// <summary>Receives the status changes of a queue's jobs, from the moment it was created until disposed.</summary>
public interface IJobSubscription : IAsyncDisposable
{
    /// <summary>Gets the changes, in the order the backend delivered them.</summary>
    ChannelReader<JobStatusChange> Changes { get; }

    /// <summary>
    /// Gets a task that completes the next time changes may have been lost (the backend's notification connection
    /// dropped and came back); a reader then reads the stored state again and takes this property anew.
    /// </summary>
    /// <value>The default never completes: for a backend that cannot lose a change.</value>
    /// <remarks>Take it before reading the stored state, so that a loss during the read is not overlooked.</remarks>
    Task ChangesMissed => JobSubscription.NeverMissed;
}

using System.Threading.Channels;

namespace Errand.Backends;

/// <summary>Receives the status changes of a queue's jobs, from the moment it was created until disposed.</summary>
public interface IJobSubscription : IAsyncDisposable
{
    /// <summary>Gets the changes, in the order the backend delivered them.</summary>
    ChannelReader<JobStatusChange> Changes { get; }
}

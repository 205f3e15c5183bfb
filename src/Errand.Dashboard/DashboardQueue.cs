using Errand.Backends;

namespace Errand.Dashboard;

/// <summary>A queue the dashboard shows: the caller API for actions, the monitor for reading, and the backend for pause and resume (when the queue gives one).</summary>
internal sealed record DashboardQueue(string Name, IQueue Queue, IQueueMonitor Monitor)
{
    /// <summary>Gets the backend that pauses and resumes the queue, or <see langword="null"/> when the queue is only a monitor.</summary>
    public IQueueBackend? Backend => Queue is Errand.Queue queue ? queue.Backend : Monitor as IQueueBackend;
}

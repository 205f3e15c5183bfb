using Errand.Backends;

namespace Errand.Dashboard;

/// <summary>A queue the dashboard shows: the caller API for actions, the monitor for reading.</summary>
internal sealed record DashboardQueue(string Name, IQueue Queue, IQueueMonitor Monitor);

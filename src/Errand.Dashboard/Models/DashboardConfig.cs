namespace Errand.Dashboard.Models;

/// <summary>What the page needs to know before it draws anything.</summary>
internal sealed record DashboardConfig(string Title, bool ReadOnly, int PollMilliseconds, IReadOnlyList<string> Queues);

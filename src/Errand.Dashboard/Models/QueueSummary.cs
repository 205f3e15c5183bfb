namespace Errand.Dashboard.Models;

/// <summary>One queue on the overview: counts by state, live workers, and whether it is paused.</summary>
internal sealed record QueueSummary(string Name, long Queued, long Active, long Scheduled, long Retrying, long Complete, long Failed, long Aborted, int Workers, bool Paused);

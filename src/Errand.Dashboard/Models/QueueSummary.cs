namespace Errand.Dashboard.Models;

/// <summary>One queue on the overview: counts by state and live workers.</summary>
internal sealed record QueueSummary(string Name, long Queued, long Active, long Scheduled, long Complete, long Failed, long Aborted, int Workers);

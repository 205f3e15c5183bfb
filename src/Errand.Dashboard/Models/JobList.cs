namespace Errand.Dashboard.Models;

/// <summary>A page of one status of a queue's jobs.</summary>
internal sealed record JobList(string Queue, string Status, int Offset, int Limit, long Total, IReadOnlyList<JobSummary> Jobs);

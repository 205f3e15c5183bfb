namespace Errand.Dashboard.Models;

/// <summary>A page of one status of a queue's jobs; <paramref name="Partial"/> when a filter looked at only the newest <paramref name="Window"/> jobs of the status.</summary>
internal sealed record JobList(
    string Queue,
    string Status,
    int Offset,
    int Limit,
    long Total,
    IReadOnlyList<JobSummary> Jobs,
    string? Function = null,
    string? Prefix = null,
    int Window = 0,
    bool Partial = false);

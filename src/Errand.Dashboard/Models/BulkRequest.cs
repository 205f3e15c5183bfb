namespace Errand.Dashboard.Models;

/// <summary>A bulk action: on the jobs named by <paramref name="Keys"/>, or on every job of <paramref name="Status"/> that matches the filter.</summary>
/// <param name="Action"><c>retry</c> or <c>delete</c> (finished jobs), or <c>abort</c> (waiting and running jobs).</param>
/// <param name="Keys">The jobs' keys (at most 1,000), or <see langword="null"/> to act on every job matching the filter.</param>
/// <param name="Status">With no keys: the status whose jobs are matched.</param>
/// <param name="Function">With no keys: only jobs of this function.</param>
/// <param name="Prefix">With no keys: only jobs whose key starts with this.</param>
internal sealed record BulkRequest(string? Action, IReadOnlyList<string>? Keys, string? Status, string? Function, string? Prefix);

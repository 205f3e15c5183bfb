namespace Errand.Backends;

/// <summary>Asks a backend for ready jobs.</summary>
/// <param name="WorkerId">The id of the worker taking them; stored as the jobs' <c>worker_id</c>.</param>
/// <param name="MaxJobs">The most jobs to take, at least 1 (the worker's free slots).</param>
/// <param name="Wait">How long to wait for the first job when none is ready; <see cref="TimeSpan.Zero"/> does not wait.</param>
public sealed record DequeueRequest(string WorkerId, int MaxJobs, TimeSpan Wait);

using Errand.Backends;

namespace Errand.Dashboard.Models;

/// <summary>One ended attempt of a job, for its page. Times are epoch milliseconds, <c>started</c> 0 when unknown.</summary>
internal sealed record AttemptView(int Attempt, long Started, long Ended, long? DurationMs, string? WorkerId, string Outcome, string? Error)
{
    /// <summary>Gets the word of an attempt's outcome: <c>complete</c>, <c>failed</c>, <c>aborted</c>, or <c>retried</c> when the job was queued again.</summary>
    public static AttemptView From(JobAttempt attempt) => new(
        attempt.Attempt,
        attempt.Started?.ToUnixTimeMilliseconds() ?? 0,
        attempt.Ended.ToUnixTimeMilliseconds(),
        attempt.Started is { } started ? (long)(attempt.Ended - started).TotalMilliseconds : null,
        attempt.WorkerId,
        attempt.Outcome == JobStatus.Queued ? "retried" : attempt.Outcome.ToWire(),
        attempt.Error);
}

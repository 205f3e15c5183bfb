using System.Text.Json;

namespace Errand.Dashboard.Models;

/// <summary>
/// A whole job, for its page: every field of the SAQ document, and the attempts the backend recorded (oldest first; null
/// where not read, as in an action's answer). Times are epoch milliseconds, <c>scheduled</c> epoch seconds, 0 = not yet.
/// </summary>
internal sealed record JobDetail(
    string Key,
    string Queue,
    string Function,
    string Status,
    JsonElement? Kwargs,
    JsonElement? Result,
    string? Error,
    double Progress,
    int Attempts,
    int Retries,
    int Timeout,
    int Heartbeat,
    int Ttl,
    double RetryDelay,
    long Scheduled,
    long Queued,
    long Started,
    long Completed,
    long Touched,
    string? WorkerId,
    IReadOnlyDictionary<string, JsonElement> Meta,
    IReadOnlyList<AttemptView>? AttemptHistory)
{
    public static JobDetail From(Job job, IReadOnlyList<Errand.Backends.JobAttempt>? attempts = null) => new(
        job.Key,
        job.Queue,
        job.Function,
        job.Status.ToWire(),
        job.Kwargs,
        job.Result,
        job.Error,
        job.Progress,
        job.Attempts,
        job.Retries,
        job.Timeout,
        job.Heartbeat,
        job.Ttl,
        job.RetryDelay,
        job.Scheduled,
        job.Queued,
        job.Started,
        job.Completed,
        job.Touched,
        job.WorkerId,
        job.Meta,
        attempts?.Select(AttemptView.From).ToList());
}

namespace Errand.Dashboard.Models;

/// <summary>A job in a list: what fits on one row.</summary>
internal sealed record JobSummary(
    string Key,
    string Function,
    string Status,
    int Attempts,
    int Retries,
    double Progress,
    long Scheduled,
    long Queued,
    long Started,
    long Completed,
    string? WorkerId,
    string? Error)
{
    public static JobSummary From(Job job) => new(
        job.Key,
        job.Function,
        job.Status.ToWire(),
        job.Attempts,
        job.Retries,
        job.Progress,
        job.Scheduled,
        job.Queued,
        job.Started,
        job.Completed,
        job.WorkerId,
        FirstLine(job.Error));

    private static string? FirstLine(string? error)
    {
        if (error is null)
        {
            return null;
        }

        var end = error.IndexOfAny(['\r', '\n']);
        return end < 0 ? error : error[..end];
    }
}

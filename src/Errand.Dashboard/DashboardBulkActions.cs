using System.Text.Json;
using Errand.Backends;
using Errand.Dashboard.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Dashboard;

/// <summary>Retries, aborts or deletes several jobs at once: by keys, or every job of a status that matches a filter.</summary>
/// <remarks>
/// Acts by keys in batches of <see cref="DashboardJobs.Batch"/> (one read of the batch, then one call per job; a delete is
/// one backend call per batch, <see cref="IQueueBackend.DeleteFinishedAsync"/>); a filter
/// reads the status's pages once to collect its keys, at most <see cref="ErrandDashboardOptions.MaxBulkRetry"/>.
/// </remarks>
internal sealed class DashboardBulkActions(ErrandDashboardOptions options, DashboardQueues queues)
{
    public const int MaxKeys = 1_000;
    private const string AbortReason = "aborted from the dashboard";

    public async Task<Results<JsonHttpResult<BulkOutcome>, JsonHttpResult<ErrorMessage>>> RunAsync(HttpContext context, string queue)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return Error(StatusCodes.Status404NotFound, $"No queue named '{queue}' on this dashboard.");
        }

        BulkRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(DashboardJsonContext.Default.BulkRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Error(StatusCodes.Status400BadRequest, $"The body must be JSON: {{\"action\": \"retry\", \"abort\" or \"delete\", \"keys\": [...]}} or a status and a filter ({ex.Message}).");
        }

        if (Validate(request) is { } problem)
        {
            return Error(StatusCodes.Status400BadRequest, problem);
        }

        var ct = context.RequestAborted;
        if (request!.Action == "delete" && found.Monitor is not IQueueBackend)
        {
            return Error(StatusCodes.Status400BadRequest, $"Queue '{found.Name}' is read through a monitor only: it cannot delete jobs.");
        }

        var keys = request.Keys ?? await CollectAsync(found, request, ct).ConfigureAwait(false);
        var (count, skipped) = (0, 0);
        foreach (var batch in keys.Distinct(StringComparer.Ordinal).Chunk(DashboardJobs.Batch))
        {
            if (found.Monitor is IQueueBackend backend && request.Action == "delete")
            {
                var deleted = (await backend.DeleteFinishedAsync(batch, ct).ConfigureAwait(false)).Count;
                (count, skipped) = (count + deleted, skipped + batch.Length - deleted);
                continue;
            }

            var jobs = await found.Monitor.GetJobsAsync(batch, ct).ConfigureAwait(false);
            foreach (var job in jobs)
            {
                if (job is not null && await ActAsync(found, job, request.Action!, ct).ConfigureAwait(false))
                {
                    count++;
                }
                else
                {
                    skipped++;
                }
            }
        }

        var user = context.User.Identity?.Name ?? "anonymous";
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Errand.Dashboard");
        DashboardLog.BulkAction(logger, request.Action!, count, found.Name, skipped, user);
        var verb = request.Action switch { "retry" => "queued again", "abort" => "aborted", _ => "deleted" };
        var message = $"{count} {(count == 1 ? "job" : "jobs")} {verb}" + (skipped > 0 ? $"; {skipped} skipped (gone, or not in a state that allows it)." : ".");
        return TypedResults.Json(new BulkOutcome(true, message, count, skipped), DashboardJsonContext.Default.BulkOutcome);
    }

    private static string? Validate(BulkRequest? request)
    {
        if (request is null || request.Action is not ("retry" or "abort" or "delete"))
        {
            return "action must be \"retry\" or \"delete\" (finished jobs), or \"abort\" (waiting and running jobs).";
        }

        if (request.Keys is { } keys)
        {
            return keys.Count is 0 or > MaxKeys || keys.Any(string.IsNullOrEmpty)
                ? $"keys must hold 1 to {MaxKeys} non-empty keys; to act on more, send a status and a filter instead."
                : null;
        }

        return request.Status is { } status && DashboardJobs.IsKnown(status)
            ? null
            : $"Without keys, status must be one of {DashboardJobs.Statuses}.";
    }

    private static async Task<bool> ActAsync(DashboardQueue queue, Job job, string action, CancellationToken ct)
    {
        if (action == "retry")
        {
            // The backend decides on the stored state: a job that was queued again meanwhile is refused there too.
            try
            {
                return job.Status.IsFinished() && await queue.Queue.RetryAsync(job.Key, ct).ConfigureAwait(false) is not null;
            }
            catch (JobNotRetryableException)
            {
                return false;
            }
        }

        return !job.Status.IsFinished() && await queue.Queue.AbortAsync(job.Key, AbortReason, ct).ConfigureAwait(false) is not null;
    }

    private static JsonHttpResult<ErrorMessage> Error(int status, string message) =>
        TypedResults.Json(new ErrorMessage(message), DashboardJsonContext.Default.ErrorMessage, statusCode: status);

    private async Task<IReadOnlyList<string>> CollectAsync(DashboardQueue queue, BulkRequest request, CancellationToken ct)
    {
        // Keys first, actions after: acting while paging would move the jobs under the offsets.
        var keys = new List<string>();
        for (var offset = 0; keys.Count < options.MaxBulkRetry;)
        {
            var page = await DashboardJobs.PageAsync(queue.Monitor, request.Status!, offset, DashboardJobs.Batch, ct).ConfigureAwait(false);
            keys.AddRange(page.Jobs.Where(j => DashboardJobs.Matches(j, request.Function, request.Prefix)).Select(j => j.Key).Take(options.MaxBulkRetry - keys.Count));
            offset += page.Jobs.Count;
            if (page.Jobs.Count == 0 || offset >= page.Total)
            {
                break;
            }
        }

        return keys;
    }
}

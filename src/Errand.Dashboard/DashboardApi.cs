using System.Diagnostics.CodeAnalysis;
using Errand.Backends;
using Errand.Dashboard.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Dashboard;

/// <summary>The JSON API: every page of the dashboard reads it, and it can be used alone (README, "Dashboard").</summary>
internal sealed class DashboardApi(ErrandDashboardOptions options, DashboardQueues queues)
{
    private const int MaxLimit = 200;
    private const string AbortReason = "aborted from the dashboard";

    public void Map(RouteGroupBuilder api)
    {
        api.AddEndpointFilter(new BackendErrorFilter());
        api.MapGet("/config", Config);
        api.MapGet("/queues", QueuesAsync);
        api.MapGet("/queues/{queue}/history", HistoryAsync);
        api.MapGet("/queues/{queue}/limits", LimitsAsync);
        api.MapGet("/queues/{queue}/history/hours", HourlyHistoryAsync);
        api.MapGet("/queues/{queue}/jobs", JobsAsync);
        api.MapGet("/queues/{queue}/jobs/{key}", JobAsync);
        api.MapGet("/workers", WorkersAsync);

        var actions = api.MapGroup(string.Empty).AddEndpointFilter(new ActionGuardFilter(options.ReadOnly));
        actions.MapPost("/queues/{queue}/jobs/{key}/retry", RetryAsync);
        actions.MapPost("/queues/{queue}/jobs/{key}/abort", AbortAsync);
        actions.MapPost("/queues/{queue}/retry-failed", RetryFailedAsync);
        actions.MapPost("/queues/{queue}/pause", (HttpContext context, string queue) => SetPausedAsync(context, queue, paused: true));
        actions.MapPost("/queues/{queue}/resume", (HttpContext context, string queue) => SetPausedAsync(context, queue, paused: false));
        actions.MapPost("/queues/{queue}/jobs/bulk", new DashboardBulkActions(options, queues).RunAsync);

        // Changes no job, only Errand's index: allowed on a read-only dashboard, still guarded against other sites.
        api.MapGroup(string.Empty).AddEndpointFilter(new ActionGuardFilter(readOnly: false)).MapPost("/queues/{queue}/scan", ScanAsync);
    }

    private JsonHttpResult<DashboardConfig> Config(HttpContext context) =>
        TypedResults.Json(
            new DashboardConfig(options.Title, options.ReadOnly, (int)options.PollInterval.TotalMilliseconds, [.. queues.All(context.RequestServices).Select(q => q.Name)]),
            DashboardJsonContext.Default.DashboardConfig);

    private async Task<JsonHttpResult<IReadOnlyList<QueueSummary>>> QueuesAsync(HttpContext context, CancellationToken ct)
    {
        var summaries = await Task.WhenAll(queues.All(context.RequestServices).Select(q => SummarizeAsync(q, ct))).ConfigureAwait(false);
        return TypedResults.Json<IReadOnlyList<QueueSummary>>(summaries, DashboardJsonContext.Default.IReadOnlyListQueueSummary);
    }

    private async Task<Results<JsonHttpResult<IReadOnlyList<HistoryPoint>>, JsonHttpResult<ErrorMessage>>> HistoryAsync(HttpContext context, string queue, int? minutes)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        var span = Math.Clamp(minutes ?? IQueueMonitor.HistoryMinutes, 1, IQueueMonitor.HistoryMinutes);
        var history = await found.Monitor.GetHistoryAsync(span, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(history, DashboardJsonContext.Default.IReadOnlyListHistoryPoint);
    }

    private async Task<Results<JsonHttpResult<LimitList>, JsonHttpResult<ErrorMessage>>> LimitsAsync(HttpContext context, string queue)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        var states = await found.Monitor.GetLimitStatesAsync(context.RequestAborted).ConfigureAwait(false);
        var rows = states.Select(s => new LimitRow(
            s.Target.Scope == LimitScope.Function ? "function" : "key", s.Target.Name, s.Running, s.Concurrency, s.Held));
        return TypedResults.Json(new LimitList(found.Name, [.. rows]), DashboardJsonContext.Default.LimitList);
    }

    private async Task<Results<JsonHttpResult<IReadOnlyList<HistoryPoint>>, JsonHttpResult<ErrorMessage>>> HourlyHistoryAsync(HttpContext context, string queue, int? hours)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        var span = Math.Clamp(hours ?? IQueueMonitor.HistoryHours, 1, IQueueMonitor.HistoryHours);
        var history = await found.Monitor.GetHourlyHistoryAsync(span, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(history, DashboardJsonContext.Default.IReadOnlyListHistoryPoint);
    }

    private async Task<Results<JsonHttpResult<JobList>, JsonHttpResult<ErrorMessage>>> JobsAsync(
        HttpContext context, string queue, string? status, int? offset, int? limit, bool? scan, string? function, string? prefix)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        if (scan == true)
        {
            // A scan reads every job of the queue and writes the index: never part of a page's refresh (a GET).
            return Error(StatusCodes.Status400BadRequest, $"scan is an action: POST api/queues/{queue}/scan once, then list the jobs.");
        }

        var word = status ?? "queued";
        if (!DashboardJobs.IsKnown(word))
        {
            return Error(StatusCodes.Status400BadRequest, $"Unknown status '{word}': use {DashboardJobs.Statuses}.");
        }

        if (offset < 0 || limit is < 1 or > MaxLimit)
        {
            return Error(StatusCodes.Status400BadRequest, $"offset must be 0 or more and limit between 1 and {MaxLimit}.");
        }

        var (skip, take, ct) = (offset ?? 0, limit ?? 50, context.RequestAborted);
        if (string.IsNullOrEmpty(function) && string.IsNullOrEmpty(prefix))
        {
            var page = await DashboardJobs.PageAsync(found.Monitor, word, skip, take, ct).ConfigureAwait(false);
            return TypedResults.Json(new JobList(found.Name, word, skip, take, page.Total, [.. page.Jobs.Select(JobSummary.From)]), DashboardJsonContext.Default.JobList);
        }

        var (matches, partial) = await DashboardJobs.MatchAsync(found.Monitor, word, function, prefix, options.FilterWindow, ct).ConfigureAwait(false);
        var shown = matches.Skip(skip).Take(take).Select(JobSummary.From).ToList();
        return TypedResults.Json(
            new JobList(found.Name, word, skip, take, matches.Count, shown, NullIfEmpty(function), NullIfEmpty(prefix), options.FilterWindow, partial),
            DashboardJsonContext.Default.JobList);
    }

    private async Task<Results<JsonHttpResult<JobDetail>, JsonHttpResult<ErrorMessage>>> JobAsync(HttpContext context, string queue, string key)
    {
        var lookup = await FindJobAsync(context, queue, key).ConfigureAwait(false);
        if (!lookup.Found)
        {
            return lookup.Error;
        }

        // The job's own records only: one more read of the backend, of at most 25 entries.
        var attempts = await lookup.Queue.Monitor.GetAttemptsAsync(key, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(JobDetail.From(lookup.Job, attempts), DashboardJsonContext.Default.JobDetail);
    }

    /// <summary>Finds a queue and one of its jobs, or the error to answer: unknown queue, unknown key, unreadable document.</summary>
    private async Task<JobLookup> FindJobAsync(HttpContext context, string queue, string key)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return new JobLookup(null, null, UnknownQueue(queue));
        }

        try
        {
            var job = await found.Monitor.GetJobAsync(key, context.RequestAborted).ConfigureAwait(false);
            return job is null
                ? new JobLookup(found, null, Error(StatusCodes.Status404NotFound, $"No job with key '{key}' on queue '{queue}'."))
                : new JobLookup(found, job, null);
        }
        catch (CorruptJobException ex)
        {
            return new JobLookup(found, null, Error(StatusCodes.Status500InternalServerError, ex.Message));
        }
    }

    private async Task<JsonHttpResult<IReadOnlyList<WorkerSummary>>> WorkersAsync(HttpContext context, CancellationToken ct)
    {
        var perQueue = await Task.WhenAll(queues.All(context.RequestServices).Select(q => q.Monitor.GetWorkersAsync(ct))).ConfigureAwait(false);
        IReadOnlyList<WorkerSummary> workers = [.. perQueue.SelectMany(w => w).Select(w => new WorkerSummary(w.WorkerId, w.Queue, w.Stats, w.Metadata, w.LastSeen))];
        return TypedResults.Json(workers, DashboardJsonContext.Default.IReadOnlyListWorkerSummary);
    }

    private async Task<Results<JsonHttpResult<ActionOutcome>, JsonHttpResult<ErrorMessage>>> RetryAsync(HttpContext context, string queue, string key)
    {
        var lookup = await FindJobAsync(context, queue, key).ConfigureAwait(false);
        if (!lookup.Found)
        {
            return lookup.Error;
        }

        var (found, job, ct) = (lookup.Queue, lookup.Job, context.RequestAborted);

        if (!job.Status.IsFinished())
        {
            return Error(StatusCodes.Status409Conflict, $"Job '{key}' is {job.Status.ToWire()}: only a complete, failed or aborted job can be retried.");
        }

        var retried = await found.Queue.RetryAsync(key, ct).ConfigureAwait(false);
        var (logger, user) = (Logger(context), UserOf(context));
        DashboardLog.JobRetried(logger, key, found.Name, user);
        var after = await found.Monitor.GetJobAsync(key, ct).ConfigureAwait(false) ?? retried;
        return Done($"Job '{key}' was queued again.", 1, after);
    }

    private async Task<Results<JsonHttpResult<ActionOutcome>, JsonHttpResult<ErrorMessage>>> AbortAsync(HttpContext context, string queue, string key)
    {
        var lookup = await FindJobAsync(context, queue, key).ConfigureAwait(false);
        if (!lookup.Found)
        {
            return lookup.Error;
        }

        var (found, job, ct) = (lookup.Queue, lookup.Job, context.RequestAborted);

        if (job.Status.IsFinished())
        {
            return Error(StatusCodes.Status409Conflict, $"Job '{key}' has already finished ({job.Status.ToWire()}).");
        }

        // Decided on the stored state: a job that finished since it was read above is left as it is.
        if (await found.Queue.AbortAsync(key, AbortReason, ct).ConfigureAwait(false) is not { } after)
        {
            var now = await found.Monitor.GetJobAsync(key, ct).ConfigureAwait(false);
            return Error(StatusCodes.Status409Conflict, $"Job '{key}' has already finished ({now?.Status.ToWire() ?? "gone"}).");
        }

        var (logger, user) = (Logger(context), UserOf(context));
        DashboardLog.JobAborted(logger, key, found.Name, user);
        var message = after.Status == JobStatus.Aborted
            ? $"Job '{key}' was aborted."
            : $"Abort of job '{key}' requested: its worker stops it within a second.";
        return Done(message, 1, after);
    }

    private async Task<Results<JsonHttpResult<ActionOutcome>, JsonHttpResult<ErrorMessage>>> RetryFailedAsync(HttpContext context, string queue)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        var ct = context.RequestAborted;
        var count = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (count < options.MaxBulkRetry)
        {
            // Each retried job leaves the failed page, so the next batch is again at offset 0.
            var page = await found.Monitor.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, Math.Min(MaxLimit, options.MaxBulkRetry - count)), ct).ConfigureAwait(false);
            var fresh = page.Jobs.Where(j => seen.Add(j.Key)).ToList();
            if (fresh.Count == 0)
            {
                break;
            }

            foreach (var job in fresh)
            {
                if (await found.Queue.RetryAsync(job.Key, ct).ConfigureAwait(false) is not null)
                {
                    count++;
                }
            }
        }

        var (logger, user) = (Logger(context), UserOf(context));
        DashboardLog.BulkRetried(logger, count, found.Name, user);
        return Done(count == 1 ? "1 failed job was queued again." : $"{count} failed jobs were queued again.", count, null);
    }

    private async Task<Results<JsonHttpResult<ActionOutcome>, JsonHttpResult<ErrorMessage>>> SetPausedAsync(HttpContext context, string queue, bool paused)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        if (found.Backend is not { } backend)
        {
            return Error(StatusCodes.Status409Conflict, $"Queue '{queue}' cannot be paused from this dashboard: it is given as a monitor only, not as an Errand.Queue.");
        }

        await backend.SetPausedAsync(paused, context.RequestAborted).ConfigureAwait(false);
        var (logger, user) = (Logger(context), UserOf(context));
        if (paused)
        {
            DashboardLog.QueuePaused(logger, found.Name, user);
            return Done($"Queue '{found.Name}' paused: its workers take no more jobs within a second; running jobs finish, and new jobs wait. (Python SAQ workers do not know the flag.)", 0, null);
        }

        DashboardLog.QueueResumed(logger, found.Name, user);
        return Done($"Queue '{found.Name}' resumed: its workers take jobs again.", 0, null);
    }

    private async Task<Results<JsonHttpResult<ActionOutcome>, JsonHttpResult<ErrorMessage>>> ScanAsync(HttpContext context, string queue)
    {
        if (queues.Find(context.RequestServices, queue) is not { } found)
        {
            return UnknownQueue(queue);
        }

        // One pass over every job document of the queue; finished ones missing from the index (finished by Python SAQ)
        // are added to it, so the finished pages, which read only the index, show them from now on.
        var all = await found.Monitor.ListJobsAsync(new JobQuery(null, 0, 0) { ScanUnindexed = true }, context.RequestAborted).ConfigureAwait(false);
        var (logger, user) = (Logger(context), UserOf(context));
        DashboardLog.QueueScanned(logger, found.Name, all.Total, user);
        return Done($"Read {all.Total} jobs of queue '{found.Name}'; finished jobs that were not indexed are now listed.", (int)Math.Min(int.MaxValue, all.Total), null);
    }

    private static async Task<QueueSummary> SummarizeAsync(DashboardQueue queue, CancellationToken ct)
    {
        var counts = queue.Monitor.CountAsync(ct);
        var workers = queue.Monitor.GetWorkersAsync(ct);
        var complete = queue.Monitor.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 0), ct);
        var failed = queue.Monitor.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 0), ct);
        var aborted = queue.Monitor.ListJobsAsync(new JobQuery(JobStatus.Aborted, 0, 0), ct);
        var paused = queue.Monitor.IsPausedAsync(ct);
        var c = await counts.ConfigureAwait(false);
        return new QueueSummary(
            queue.Name,
            c.Queued,
            c.Active,
            c.Scheduled,
            c.Retrying,
            (await complete.ConfigureAwait(false)).Total,
            (await failed.ConfigureAwait(false)).Total,
            (await aborted.ConfigureAwait(false)).Total,
            (await workers.ConfigureAwait(false)).Count,
            await paused.ConfigureAwait(false));
    }

    private static JsonHttpResult<ActionOutcome> Done(string message, int count, Job? job) =>
        TypedResults.Json(new ActionOutcome(true, message, count, job is null ? null : JobDetail.From(job)), DashboardJsonContext.Default.ActionOutcome);

    private static JsonHttpResult<ErrorMessage> UnknownQueue(string queue) => Error(StatusCodes.Status404NotFound, $"No queue named '{queue}' on this dashboard.");

    private static JsonHttpResult<ErrorMessage> Error(int status, string message) =>
        TypedResults.Json(new ErrorMessage(message), DashboardJsonContext.Default.ErrorMessage, statusCode: status);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Errand.Dashboard");

    private static string UserOf(HttpContext context) => context.User.Identity?.Name ?? "anonymous";

    /// <summary>A queue and one of its jobs, or the error to answer instead.</summary>
    private sealed record JobLookup(DashboardQueue? Queue, Job? Job, JsonHttpResult<ErrorMessage>? Error)
    {
        [MemberNotNullWhen(true, nameof(Queue), nameof(Job))]
        [MemberNotNullWhen(false, nameof(Error))]
        public bool Found => Error is null;
    }
}

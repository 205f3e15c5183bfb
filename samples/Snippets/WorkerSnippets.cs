using Errand;
using Errand.Cron;

namespace Snippets;

/// <summary>The README's worker options: cron jobs and hooks.</summary>
internal static class WorkerSnippets
{
    public static void CronJobsAndHooks(Queue queue, JobFunctions functions)
    {
        var options = new WorkerOptions { Concurrency = 4 };
        options.CronJobs.Add(new CronJob("report", "0 7 * * 1-5") { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris") });
        options.CronJobs.Add(new CronJob("tick", "*/10 * * * * *"));   // 6 fields: seconds first
        using var worker = new Worker(queue, functions, options);
        worker.Hooks.BeforeProcess.Add(context => { /* ... */ return Task.CompletedTask; });
        worker.Hooks.AfterProcess.Add((context, exception) => { /* sees the failure, if any */ return Task.CompletedTask; });
    }
}

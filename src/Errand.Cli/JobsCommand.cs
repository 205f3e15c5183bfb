using System.CommandLine;
using Errand.Backends;

namespace Errand.Cli;

/// <summary><c>errand jobs URL --queue Q [--status S] [--limit N]</c>: a page of the queue's jobs.</summary>
internal static class JobsCommand
{
    private static readonly string[] Statuses = ["new", "queued", "active", "aborting", "aborted", "failed", "complete"];

    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queue = CommonOptions.Queue();
        var status = new Option<string?>("--status", "-s")
        {
            Description = "Only jobs with this status (queued includes scheduled jobs).",
        };
        status.AcceptOnlyFromAmong(Statuses);
        var limit = new Option<int>("--limit", "-n")
        {
            Description = "The most jobs to show.",
            DefaultValueFactory = _ => 20,
        };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--limit must be at least 1.");
            }
        });
        var json = CommonOptions.Json();
        var command = new Command("jobs", "List the jobs of a queue.") { url, queue, status, limit, json };
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var name = result.GetRequiredValue(queue);
            JobStatus? wanted = result.GetValue(status) is { } text && JobStatusExtensions.TryParseWire(text, out var parsed) ? parsed : null;
            var opened = await session.OpenExistingAsync(name, ct).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                var page = await opened.ListJobsAsync(new JobQuery(wanted, 0, result.GetValue(limit)), ct).ConfigureAwait(false);
                if (result.GetValue(json))
                {
                    Terminal.Json(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("queue", name);
                        w.WriteNumber("total", page.Total);
                        w.WriteStartArray("jobs");
                        foreach (var job in page.Jobs)
                        {
                            JobView.WriteJson(w, job);
                        }

                        w.WriteEndArray();
                        w.WriteEndObject();
                    });
                    return ExitCodes.Ok;
                }

                var what = wanted is { } s ? $"{s.ToWire()} jobs" : "jobs";
                if (page.Jobs.Count == 0)
                {
                    Terminal.Line($"no {what} on queue '{name}'");
                    return ExitCodes.Ok;
                }

                Terminal.Out.Write(JobView.ListTable(page.Jobs));
                var total = page.Total >= 0 ? Formats.Number(page.Total) : "?";
                Terminal.Line($"{page.Jobs.Count} of {total} {what} on queue '{name}'");
                return ExitCodes.Ok;
            }
        }, ct));
        return command;
    }
}

using System.Text.Json;
using Errand.Backends;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Errand.Cli;

/// <summary>Shows jobs: a table row per job, a grid for one job, or SAQ's job document as JSON.</summary>
internal static class JobView
{
    public static Table ListTable(IEnumerable<Job> jobs)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(new TableColumn("Key").NoWrap());
        foreach (var column in new[] { "Function", "Status", "Attempts", "Last change", "Result / error" })
        {
            table.AddColumn(column);
        }

        foreach (var job in jobs)
        {
            table.AddRow(Cells(
                job.Key,
                job.Function,
                job.Status.ToWire(),
                $"{job.Attempts}/{job.Retries}",
                Formats.Time(job.CompletedAt ?? job.StartedAt ?? job.QueuedAt),
                Formats.Truncate(job.Error is { } error ? FirstLine(error) : job.Result is { } r ? r.GetRawText() : null, 60)));
        }

        return table;
    }

    public static Grid Details(Job job)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        void Row(string name, string value) => grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        Row("key", job.Key);
        Row("queue", job.Queue);
        Row("function", job.Function);
        Row("status", job.Status.ToWire());
        Row("kwargs", Formats.Json(job.Kwargs));
        Row("result", Formats.Json(job.Result));
        Row("error", job.Error ?? "-");
        Row("attempts", $"{job.Attempts} of {job.Retries}");
        Row("progress", job.Progress.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture));
        Row("queued", Formats.Time(job.QueuedAt));
        Row("scheduled", Formats.Time(job.ScheduledAt));
        Row("started", Formats.Time(job.StartedAt));
        Row("completed", Formats.Time(job.CompletedAt));
        Row("worker", job.WorkerId ?? "-");
        Row("timeout", job.Timeout == 0 ? "none" : $"{job.Timeout}s");
        Row("heartbeat", job.Heartbeat == 0 ? "none" : $"{job.Heartbeat}s");
        Row("ttl", $"{job.Ttl}s");
        if (job.Meta.Count > 0)
        {
            Row("meta", JsonSerializer.Serialize(job.Meta));
        }

        return grid;
    }

    /// <summary>Returns a row per attempt, oldest first: when it started and ended, on which worker, how it ended and why.</summary>
    public static Table AttemptsTable(IReadOnlyList<JobAttempt> attempts)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Attempts");
        table.AddColumn(new TableColumn("#") { Alignment = Justify.Right });
        foreach (var column in new[] { "Started", "Took", "Worker", "Outcome", "Error" })
        {
            table.AddColumn(column);
        }

        foreach (var attempt in attempts)
        {
            table.AddRow(Cells(
                attempt.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Formats.Time(attempt.Started),
                attempt.Started is { } started ? Formats.Duration(attempt.Ended - started) : "-",
                attempt.WorkerId ?? "-",
                attempt.Outcome.ToWire(),
                Formats.Truncate(attempt.Error is { } error ? FirstLine(error) : null, 60)));
        }

        return table;
    }

    public static void WriteJson(Utf8JsonWriter writer, Job job) => JobDocument.Write(writer, job);

    /// <summary>Returns the first line of an error: stored errors may carry a stack trace.</summary>
    private static string FirstLine(string error)
    {
        var end = error.IndexOfAny(['\r', '\n']);
        return end < 0 ? error : error[..end];
    }

    private static IRenderable[] Cells(params string[] values) => [.. values.Select(v => new Text(v))];
}

using System.CommandLine;
using Errand.Backends;
using Spectre.Console;

namespace Errand.Cli;

/// <summary><c>errand info URL [--queue Q ...]</c>: job counts and live workers of every queue (or the named ones).</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queues = new Option<string[]>("--queue", "-q")
        {
            Description = "Only these queues (repeat the option for several); default: every queue found there.",
        };
        var json = CommonOptions.Json();
        var command = new Command("info", "Show job counts and live workers of the queues.") { url, queues, json };
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var names = result.GetValue(queues) is { Length: > 0 } asked ? asked.Distinct(StringComparer.Ordinal).ToArray() : null;
            if (names is not null)
            {
                foreach (var name in names)
                {
                    if (!await session.QueueExistsAsync(name, ct).ConfigureAwait(false))
                    {
                        throw session.QueueNotFound(name);
                    }
                }
            }

            var infos = new List<QueueInfo>();
            var limits = new Dictionary<string, IReadOnlyList<LimitState>>(StringComparer.Ordinal);
            foreach (var name in names ?? await session.FindQueuesAsync(ct).ConfigureAwait(false))
            {
                var queue = await session.OpenAsync(name, ct).ConfigureAwait(false);
                await using (queue.ConfigureAwait(false))
                {
                    infos.Add(await queue.InfoAsync(jobs: 0, ct).ConfigureAwait(false));
                    limits[name] = await queue.Backend.GetLimitStatesAsync(ct).ConfigureAwait(false);
                }
            }

            if (result.GetValue(json))
            {
                WriteJson(infos, limits);
            }
            else
            {
                WriteTables(infos, session.Endpoint);
                WriteLimits(limits);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void WriteTables(List<QueueInfo> infos, string endpoint)
    {
        if (infos.Count == 0)
        {
            Terminal.Line($"no queues at {endpoint}");
            return;
        }

        var queues = new Table().Border(TableBorder.Rounded).Title($"Queues at {Markup.Escape(endpoint)}");
        foreach (var column in new[] { "Queue", "State", "Queued", "Active", "Scheduled", "Retrying", "Incomplete", "Workers" })
        {
            queues.AddColumn(new TableColumn(column) { Alignment = column is "Queue" or "State" ? Justify.Left : Justify.Right });
        }

        foreach (var info in infos)
        {
            queues.AddRow(
                new Text(info.Name),
                new Text(info.Paused ? "paused" : "running"),
                new Text(Formats.Number(info.Counts.Queued)),
                new Text(Formats.Number(info.Counts.Active)),
                new Text(Formats.Number(info.Counts.Scheduled)),
                new Text(Formats.Number(info.Counts.Retrying)),
                new Text(Formats.Number(info.Counts.Incomplete)),
                new Text(Formats.Number(info.Workers.Count)));
        }

        Terminal.Out.Write(queues);
        var workers = infos.SelectMany(i => i.Workers).ToList();
        if (workers.Count == 0)
        {
            Terminal.Line("no live workers");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Live workers");
        table.AddColumn("Queue").AddColumn(new TableColumn("Worker").NoWrap());
        foreach (var column in new[] { "Host", "PID", "Complete", "Failed", "Retried", "Aborted", "Up" })
        {
            table.AddColumn(new TableColumn(column) { Alignment = column is "Host" or "Up" ? Justify.Left : Justify.Right });
        }

        foreach (var worker in workers)
        {
            table.AddRow(
                new Text(worker.Queue),
                new Text(worker.WorkerId),
                new Text(Formats.Metadata(worker, "host")),
                new Text(Formats.Metadata(worker, "pid")),
                new Text(Formats.Number(worker.Stats.Complete)),
                new Text(Formats.Number(worker.Stats.Failed)),
                new Text(Formats.Number(worker.Stats.Retried)),
                new Text(Formats.Number(worker.Stats.Aborted)),
                new Text(Formats.Duration(TimeSpan.FromMilliseconds(worker.Stats.UptimeMs))));
        }

        Terminal.Out.Write(table);
    }

    // Running against the limit and held jobs, per limited function and group key (issue 17).
    private static void WriteLimits(Dictionary<string, IReadOnlyList<LimitState>> limits)
    {
        if (limits.Values.All(states => states.Count == 0))
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Limits");
        table.AddColumn("Queue").AddColumn("Of").AddColumn("Name");
        foreach (var column in new[] { "Running", "Limit", "Held" })
        {
            table.AddColumn(new TableColumn(column) { Alignment = Justify.Right });
        }

        foreach (var (queue, states) in limits)
        {
            foreach (var state in states)
            {
                table.AddRow(
                    new Text(queue),
                    new Text(state.Target.Scope == LimitScope.Function ? "function" : "key"),
                    new Text(state.Target.Name),
                    new Text(Formats.Number(state.Running)),
                    new Text(state.Concurrency is { } limit ? Formats.Number(limit) : "-"),
                    new Text(Formats.Number(state.Held)));
            }
        }

        Terminal.Out.Write(table);
    }

    private static void WriteJson(List<QueueInfo> infos, Dictionary<string, IReadOnlyList<LimitState>> limits) => Terminal.Json(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("queues");
        foreach (var info in infos)
        {
            w.WriteStartObject();
            w.WriteString("name", info.Name);
            w.WriteBoolean("paused", info.Paused);
            w.WriteNumber("queued", info.Counts.Queued);
            w.WriteNumber("active", info.Counts.Active);
            w.WriteNumber("scheduled", info.Counts.Scheduled);
            w.WriteNumber("retrying", info.Counts.Retrying);
            w.WriteNumber("incomplete", info.Counts.Incomplete);
            w.WriteStartArray("limits");
            foreach (var state in limits.GetValueOrDefault(info.Name) ?? [])
            {
                w.WriteStartObject();
                w.WriteString("of", state.Target.Scope == LimitScope.Function ? "function" : "key");
                w.WriteString("name", state.Target.Name);
                w.WriteNumber("running", state.Running);
                if (state.Concurrency is { } concurrency)
                {
                    w.WriteNumber("concurrency", concurrency);
                }
                else
                {
                    w.WriteNull("concurrency");
                }

                w.WriteNumber("held", state.Held);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("workers");
            foreach (var worker in info.Workers)
            {
                WriteWorker(w, worker);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteWorker(System.Text.Json.Utf8JsonWriter w, WorkerInfo worker)
    {
        w.WriteStartObject();
        w.WriteString("id", worker.WorkerId);
        w.WriteString("queue", worker.Queue);
        w.WriteNumber("complete", worker.Stats.Complete);
        w.WriteNumber("failed", worker.Stats.Failed);
        w.WriteNumber("retried", worker.Stats.Retried);
        w.WriteNumber("aborted", worker.Stats.Aborted);
        w.WriteNumber("uptime_ms", worker.Stats.UptimeMs);
        if (worker.Metadata is { } metadata)
        {
            w.WritePropertyName("metadata");
            metadata.WriteTo(w);
        }

        w.WriteEndObject();
    }
}

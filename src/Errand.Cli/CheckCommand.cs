using System.CommandLine;

namespace Errand.Cli;

/// <summary><c>errand check URL --queue Q</c>: exit 0 when the queue has a live worker, else 1 (a health check).</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queue = CommonOptions.Queue();
        var json = CommonOptions.Json();
        var command = new Command("check", "Exit 0 when the queue has a live worker, else 1 (for health checks).") { url, queue, json };
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var name = result.GetRequiredValue(queue);
            var opened = await session.OpenAsync(name, ct).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                var workers = await opened.Backend.GetWorkersAsync(ct).ConfigureAwait(false);
                if (result.GetValue(json))
                {
                    Terminal.Json(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("queue", name);
                        w.WriteBoolean("healthy", workers.Count > 0);
                        w.WriteNumber("workers", workers.Count);
                        w.WriteEndObject();
                    });
                }
                else if (workers.Count > 0)
                {
                    Terminal.Line($"ok: queue '{name}' has {workers.Count} live worker{(workers.Count == 1 ? string.Empty : "s")}");
                }
                else
                {
                    Terminal.Error($"unhealthy: queue '{name}' has no live worker at {session.Endpoint}");
                }

                return workers.Count > 0 ? ExitCodes.Ok : ExitCodes.Failed;
            }
        }, ct));
        return command;
    }
}

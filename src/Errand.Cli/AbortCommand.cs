using System.CommandLine;

namespace Errand.Cli;

/// <summary><c>errand abort URL --queue Q KEY</c>: a waiting job never runs; a running one has its token fired and ends aborted.</summary>
internal static class AbortCommand
{
    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queue = CommonOptions.Queue();
        var key = CommonOptions.Key();
        var reason = new Option<string>("--reason") { Description = "Stored as the job's error.", DefaultValueFactory = _ => "aborted by errand" };
        var command = new Command("abort", "Abort a job: a waiting one never runs, a running one is stopped.") { url, key, queue, reason };
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var name = result.GetRequiredValue(queue);
            var job = await JobCommand.FindAsync(session, name, result.GetRequiredValue(key), ct).ConfigureAwait(false);
            if (job.Status.IsFinished())
            {
                throw new CliException(ExitCodes.Failed, $"job '{job.Key}' has already ended ({job.Status.ToWire()}); nothing to abort.");
            }

            var opened = await session.OpenAsync(name, ct).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                // Decided on the stored state: a job that ended since it was read above is left as it is.
                var after = await opened.AbortAsync(job.Key, result.GetRequiredValue(reason), ct).ConfigureAwait(false)
                    ?? throw new CliException(ExitCodes.Failed, $"job '{job.Key}' ended meanwhile; nothing to abort.");
                Terminal.Line(after.Status == JobStatus.Aborting
                    ? $"aborting {job.Key}: its worker stops it within a second (was {job.Status.ToWire()})"
                    : $"aborted {job.Key} (was {job.Status.ToWire()})");
                return ExitCodes.Ok;
            }
        }, ct));
        return command;
    }
}

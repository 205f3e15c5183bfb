using System.CommandLine;

namespace Errand.Cli;

/// <summary><c>errand pause URL QUEUE</c> and <c>errand resume URL QUEUE</c>: stop and restart the taking of a queue's jobs by its Errand workers.</summary>
internal static class PauseCommand
{
    public static Command CreatePause() => Create(
        "pause",
        "Pause a queue: within a second its Errand workers take no more jobs (running jobs finish; enqueues are kept; Python SAQ workers do not know the flag).",
        paused: true);

    public static Command CreateResume() => Create(
        "resume",
        "Resume a paused queue: its idle Errand workers take jobs again at once.",
        paused: false);

    private static Command Create(string name, string description, bool paused)
    {
        var url = CommonOptions.Url();
        var queue = new Argument<string>("QUEUE") { Description = "The queue name." };
        var command = new Command(name, description) { url, queue };
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var queueName = result.GetRequiredValue(queue);
            var known = await session.QueueExistsAsync(queueName, ct).ConfigureAwait(false);
            var opened = await session.OpenAsync(queueName, ct).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                var was = await opened.IsPausedAsync(ct).ConfigureAwait(false);
                if (paused)
                {
                    await opened.PauseAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    await opened.ResumeAsync(ct).ConfigureAwait(false);
                }

                var state = paused ? "paused" : "resumed";
                var note = was == paused ? $" (it was {(was ? "paused" : "not paused")} already)" : string.Empty;
                Terminal.Line($"{state} queue '{queueName}'{note}");
                if (!known)
                {
                    Terminal.Line($"note: nothing of queue '{queueName}' is stored yet (no job, no worker): check the name; the flag holds for the queue when it comes");
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}

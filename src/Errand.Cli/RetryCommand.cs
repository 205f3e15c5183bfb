using System.CommandLine;
using Spectre.Console;

namespace Errand.Cli;

/// <summary><c>errand retry URL --queue Q KEY</c> and <c>errand retry URL --queue Q --all-failed</c>: queue ended jobs again at once.</summary>
internal static class RetryCommand
{
    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queue = CommonOptions.Queue();
        var key = new Argument<string?>("KEY") { Description = "The job key.", Arity = ArgumentArity.ZeroOrOne };
        var allFailed = new Option<bool>("--all-failed") { Description = "Retry every failed job of the queue, with a progress bar." };
        var force = new Option<bool>("--force") { Description = "Also retry a job that is still active (one stuck with a dead worker)." };
        var command = new Command("retry", "Queue a failed, aborted or complete job again (or every failed job).") { url, key, queue, allFailed, force };
        command.Validators.Add(r =>
        {
            var hasKey = r.GetResult(key) is { Tokens.Count: > 0 };
            var all = r.GetResult(allFailed) is not null;
            if (hasKey == all)
            {
                r.AddError("Give either a KEY or --all-failed.");
            }
        });
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), session =>
        {
            var name = result.GetRequiredValue(queue);
            return result.GetValue(allFailed)
                ? RetryAllFailedAsync(session, name, ct)
                : RetryOneAsync(session, name, result.GetRequiredValue(key)!, result.GetValue(force), ct);
        }, ct));
        return command;
    }

    private static async Task<int> RetryOneAsync(StoreSession session, string name, string key, bool force, CancellationToken cancellationToken)
    {
        var job = await JobCommand.FindAsync(session, name, key, cancellationToken).ConfigureAwait(false);
        var refused = job.Status switch
        {
            JobStatus.Queued or JobStatus.New => "it is already queued",
            JobStatus.Active or JobStatus.Aborting when !force => "it is still active (use --force for a job stuck with a dead worker)",
            _ => null,
        };
        if (refused is not null)
        {
            throw new CliException(ExitCodes.Failed, $"job '{job.Key}' not retried: {refused}.");
        }

        var queue = await session.OpenAsync(name, cancellationToken).ConfigureAwait(false);
        await using (queue.ConfigureAwait(false))
        {
            try
            {
                // The store decides on the job's state at that moment: one that started meanwhile is refused there.
                await queue.RetryAsync(job.Key, force, cancellationToken).ConfigureAwait(false);
            }
            catch (JobNotRetryableException ex)
            {
                throw new CliException(ExitCodes.Failed, $"job '{job.Key}' not retried: it is {ex.Status.ToWire()} now (use --force for a job stuck with a dead worker).");
            }
        }

        Terminal.Line($"retried {job.Key} (was {job.Status.ToWire()})");
        return ExitCodes.Ok;
    }

    private static async Task<int> RetryAllFailedAsync(StoreSession session, string name, CancellationToken cancellationToken)
    {
        var queue = await session.OpenExistingAsync(name, cancellationToken).ConfigureAwait(false);
        await using (queue.ConfigureAwait(false))
        {
            var failed = new List<Job>();
            await foreach (var job in queue.IterateJobsAsync(JobStatus.Failed, cancellationToken).ConfigureAwait(false))
            {
                failed.Add(job);
            }

            if (failed.Count == 0)
            {
                Terminal.Line($"no failed jobs on queue '{name}'");
                return ExitCodes.Ok;
            }

            Terminal.Line($"retrying {failed.Count} failed jobs on queue '{name}'");
            var retried = 0;
            var errors = new List<string>();
            await Terminal.Out.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("retrying", maxValue: failed.Count);
                    foreach (var job in failed)
                    {
                        try
                        {
                            // Only a job still failed is retried: one retried meanwhile by someone else is left alone.
                            if (await queue.GetJobAsync(job.Key, cancellationToken).ConfigureAwait(false) is { Status: JobStatus.Failed })
                            {
                                await queue.RetryAsync(job.Key, cancellationToken).ConfigureAwait(false);
                                retried++;
                            }
                        }
                        catch (CorruptJobException ex)
                        {
                            errors.Add($"{job.Key}: {ex.Message}");
                        }
                        catch (JobNotRetryableException)
                        {
                            // Retried meanwhile by someone else, and already waiting or running: left alone.
                        }

                        task.Increment(1);
                    }
                }).ConfigureAwait(false);

            var skipped = failed.Count - retried - errors.Count;
            Terminal.Line($"retried {retried} of {failed.Count} failed jobs on queue '{name}'" + (skipped > 0 ? $"; {skipped} had changed meanwhile and were left alone" : string.Empty));
            foreach (var error in errors)
            {
                Terminal.Error($"not retried: {error}");
            }

            return errors.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }
    }
}

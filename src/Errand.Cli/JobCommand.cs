using System.CommandLine;

namespace Errand.Cli;

/// <summary><c>errand job URL --queue Q KEY</c>: one job with its arguments, result and error, and its attempts.</summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queue = CommonOptions.Queue();
        var key = CommonOptions.Key();
        var json = CommonOptions.Json();
        var command = new Command("job", "Show one job: arguments, result, error, times, and each attempt.") { url, key, queue, json };
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var job = await FindAsync(session, result.GetRequiredValue(queue), result.GetRequiredValue(key), ct).ConfigureAwait(false);
            if (result.GetValue(json))
            {
                Terminal.Json(w => JobView.WriteJson(w, job));
                return ExitCodes.Ok;
            }

            Terminal.Out.Write(JobView.Details(job));
            var opened = await session.OpenAsync(job.Queue, ct).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                if (await opened.Backend.GetAttemptsAsync(job.Key, ct).ConfigureAwait(false) is { Count: > 0 } attempts)
                {
                    Terminal.Out.Write(JobView.AttemptsTable(attempts));
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Gets a stored job, or fails with <see cref="ExitCodes.QueueNotFound"/> or <see cref="ExitCodes.JobNotFound"/>.</summary>
    public static async Task<Job> FindAsync(StoreSession session, string queueName, string key, CancellationToken cancellationToken)
    {
        var queue = await session.OpenAsync(queueName, cancellationToken).ConfigureAwait(false);
        await using (queue.ConfigureAwait(false))
        {
            if (await queue.GetJobAsync(key, cancellationToken).ConfigureAwait(false) is { } job)
            {
                return job;
            }
        }

        if (!await session.QueueExistsAsync(queueName, cancellationToken).ConfigureAwait(false))
        {
            throw session.QueueNotFound(queueName);
        }

        throw new CliException(ExitCodes.JobNotFound, $"job '{key}' not found on queue '{queueName}' (never enqueued, or expired after its ttl).");
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Errand.Cli;

/// <summary><c>errand enqueue URL --queue Q FUNCTION [JSON] [--key K] [--at TIME|--in DURATION] [--wait]</c>.</summary>
internal static class EnqueueCommand
{
    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queue = CommonOptions.Queue();
        var function = new Argument<string>("FUNCTION") { Description = "The function the job calls." };
        var kwargs = new Argument<string?>("JSON")
        {
            Description = "The function's arguments, a JSON object such as '{\"a\": 1}'.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var key = new Option<string?>("--key", "-k") { Description = "The job key; a job whose key is still incomplete is not enqueued twice." };
        var at = new Option<string?>("--at") { Description = "Run at this time, ISO 8601 (2030-01-01T09:00:00Z); without an offset, UTC." };
        var delay = new Option<string?>("--in") { Description = "Run after this long: 90s, 5m, 2h, 1d, 1h30m or 00:05:00." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait for the job to finish; print its result, or its error and exit 1." };
        var waitTimeout = new Option<double?>("--wait-timeout") { Description = "With --wait: give up after this many seconds (exit 1)." };
        var json = CommonOptions.Json();
        var command = new Command("enqueue", "Enqueue a job (and wait for its result).") { url, function, kwargs, queue, key, at, delay, wait, waitTimeout, json };
        command.Validators.Add(r =>
        {
            if (r.GetResult(at) is not null && r.GetResult(delay) is not null)
            {
                r.AddError("Give --at or --in, not both.");
            }
        });
        command.SetAction((result, ct) =>
        {
            // Checked before connecting: a bad argument is reported as such even when the store is down.
            JsonElement? arguments;
            JobOptions options;
            try
            {
                arguments = ParseArguments(result.GetValue(kwargs));
                options = new JobOptions
                {
                    Key = result.GetValue(key),
                    ScheduledAt = result.GetValue(at) is { } time ? ParseTime(time) : null,
                    Delay = result.GetValue(delay) is { } span ? ParseDelay(span) : null,
                };
            }
            catch (CliException ex)
            {
                return Task.FromResult(CliApplication.Fail(ex));
            }

            return EnqueueAsync(result, arguments, options, ct);
        });

        async Task<int> EnqueueAsync(ParseResult result, JsonElement? arguments, JobOptions options, CancellationToken ct) =>
            await CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var name = result.GetRequiredValue(queue);
            var opened = await session.OpenAsync(name, ct).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                var job = await opened.EnqueueAsync(result.GetRequiredValue(function), arguments, options, ct).ConfigureAwait(false);
                var asJson = result.GetValue(json);
                if (!result.GetValue(wait))
                {
                    if (asJson)
                    {
                        Terminal.Json(w => JobView.WriteJson(w, job));
                    }
                    else
                    {
                        Terminal.Line(job.Key);
                    }

                    return ExitCodes.Ok;
                }

                if ((await opened.Backend.GetWorkersAsync(ct).ConfigureAwait(false)).Count == 0)
                {
                    Terminal.Error($"warning: queue '{name}' has no live worker; waiting until one takes job {job.Key}");
                }

                var timeout = result.GetValue(waitTimeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
                Job done;
                try
                {
                    done = await opened.WaitAsync(job.Key, timeout, ct).ConfigureAwait(false);
                }
                catch (JobWaitTimeoutException)
                {
                    Terminal.Error($"job {job.Key} did not finish within {Formats.Duration(timeout)}; it stays on the queue");
                    return ExitCodes.Failed;
                }

                if (asJson)
                {
                    Terminal.Json(w => JobView.WriteJson(w, done));
                }
                else if (done.Status == JobStatus.Complete)
                {
                    Terminal.Line(done.Result is { } value ? value.GetRawText() : "null");
                }

                if (done.Status != JobStatus.Complete)
                {
                    Terminal.Error($"job {done.Key} {done.Status.ToWire()}: {done.Error}");
                    return ExitCodes.Failed;
                }

                return ExitCodes.Ok;
            }
        }, ct).ConfigureAwait(false);

        return command;
    }

    private static JsonElement? ParseArguments(string? text)
    {
        if (text is null)
        {
            return null;
        }

        JsonElement element;
        try
        {
            using var document = JsonDocument.Parse(text);
            element = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.BadJson, $"the arguments are not valid JSON: {ex.Message}");
        }

        return element.ValueKind == JsonValueKind.Object
            ? element
            : throw new CliException(ExitCodes.BadJson, $"the arguments must be a JSON object ({{\"name\": value, ...}}), not {element.ValueKind.ToString().ToLowerInvariant()}.");
    }

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CliException(ExitCodes.Usage, $"--at '{text}' is not a time; use ISO 8601, e.g. 2030-01-01T09:00:00Z.");

    private static TimeSpan ParseDelay(string text) =>
        Formats.TryParseDuration(text, out var span)
            ? span
            : throw new CliException(ExitCodes.Usage, $"--in '{text}' is not a duration; use 90s, 5m, 2h, 1d, 1h30m or 00:05:00.");
}

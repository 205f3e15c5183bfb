using System.Text.Json;

namespace Errand;

/// <summary>Builds a <see cref="Job"/> from a function name, arguments and <see cref="JobOptions"/>, checking every option.</summary>
internal static class JobFactory
{
    public static Job Create(string queue, string function, object? kwargs, JobOptions options, JsonSerializerOptions json, TimeProvider time)
    {
        var job = new Job(function, queue, options.Key)
        {
            Kwargs = ToKwargs(kwargs, json),
        };
        if (options.Timeout is { } timeout)
        {
            job.Timeout = WholeSeconds(nameof(JobOptions.Timeout), timeout);
        }

        if (options.Heartbeat is { } heartbeat)
        {
            job.Heartbeat = WholeSeconds(nameof(JobOptions.Heartbeat), heartbeat);
        }

        if (options.Retries is { } retries)
        {
            job.Retries = retries >= 1 ? retries : throw ErrandErrors.OptionOutOfRange(nameof(JobOptions.Retries), retries, "at least 1");
        }

        if (options.Ttl is { } ttl)
        {
            job.Ttl = ttl < TimeSpan.Zero ? -1 : WholeSeconds(nameof(JobOptions.Ttl), ttl);
        }

        if (options.RetryDelay is { } delay)
        {
            job.RetryDelay = delay >= TimeSpan.Zero ? delay.TotalSeconds : throw ErrandErrors.OptionOutOfRange(nameof(JobOptions.RetryDelay), delay, "zero or more");
        }

        job.RetryBackoff = options.RetryBackoff ?? false;
        if (options.RetryBackoffCap is { } cap)
        {
            job.RetryBackoffCap = cap > TimeSpan.Zero ? cap.TotalSeconds : throw ErrandErrors.OptionOutOfRange(nameof(JobOptions.RetryBackoffCap), cap, "more than zero");
        }

        if (options.ScheduledAt is { } at)
        {
            job.Scheduled = Math.Max(0, at.ToUnixTimeSeconds());
        }
        else if (options.Delay is { } after && after > TimeSpan.Zero)
        {
            // Round up: a job must never run before the delay has passed.
            job.Scheduled = (long)Math.Ceiling((time.GetUtcNow() + after).ToUnixTimeMilliseconds() / 1000.0);
        }

        if (options.Meta is { } meta)
        {
            foreach (var (name, value) in meta)
            {
                job.Meta[name] = JsonSerializer.SerializeToElement(value, json);
            }
        }

        job.Priority = options.Priority ?? 0;
        job.GroupKey = options.GroupKey;
        return job;
    }

    public static JsonElement? ToKwargs(object? kwargs, JsonSerializerOptions json)
    {
        if (kwargs is null)
        {
            return null;
        }

        var element = kwargs is JsonElement given ? given.Clone() : JsonSerializer.SerializeToElement(kwargs, kwargs.GetType(), json);
        return element.ValueKind switch
        {
            JsonValueKind.Object => element,
            JsonValueKind.Null => null,
            _ => throw new ArgumentException($"Job arguments must serialize to a JSON object of named arguments, not {element.ValueKind}.", nameof(kwargs)),
        };
    }

    private static int WholeSeconds(string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw ErrandErrors.OptionOutOfRange(name, value, "zero or more");
        }

        var seconds = Math.Ceiling(value.TotalSeconds);
        return seconds <= int.MaxValue ? (int)seconds : throw ErrandErrors.OptionOutOfRange(name, value, "at most int.MaxValue seconds");
    }
}

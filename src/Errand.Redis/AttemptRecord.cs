using System.Buffers;
using System.Text.Json;
using Errand.Backends;

namespace Errand.Redis;

/// <summary>
/// One entry of Errand's list of a job's attempts (<c>errand:QUEUE:attempts:KEY</c>), a JSON object:
/// <c>{"attempt":2,"started":MS,"ended":MS,"worker_id":"w1","status":"failed","error":"..."}</c> (times in epoch ms;
/// <c>started</c>, <c>worker_id</c> and <c>error</c> left out when unknown).
/// </summary>
internal static class AttemptRecord
{
    public static byte[] Serialize(JobAttempt attempt)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + (attempt.Error?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("attempt"u8, attempt.Attempt);
            if (attempt.Started is { } started)
            {
                writer.WriteNumber("started"u8, started.ToUnixTimeMilliseconds());
            }

            writer.WriteNumber("ended"u8, attempt.Ended.ToUnixTimeMilliseconds());
            if (attempt.WorkerId is { } workerId)
            {
                writer.WriteString("worker_id"u8, workerId);
            }

            writer.WriteString("status"u8, attempt.Outcome.ToWire());
            if (attempt.Error is { } error)
            {
                writer.WriteString("error"u8, error);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an entry; <see langword="null"/> when it is not one (written by something else).</summary>
    public static JobAttempt? TryDeserialize(byte[] record)
    {
        try
        {
            using var document = JsonDocument.Parse(record);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("attempt", out var attempt)
                || !root.TryGetProperty("ended", out var ended)
                || !root.TryGetProperty("status", out var status)
                || !JobStatusExtensions.TryParseWire(status.GetString(), out var outcome))
            {
                return null;
            }

            return new JobAttempt(
                attempt.GetInt32(),
                root.TryGetProperty("started", out var started) ? DateTimeOffset.FromUnixTimeMilliseconds(started.GetInt64()) : null,
                DateTimeOffset.FromUnixTimeMilliseconds(ended.GetInt64()),
                root.TryGetProperty("worker_id", out var worker) ? worker.GetString() : null,
                outcome,
                root.TryGetProperty("error", out var error) ? error.GetString() : null);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Keeps the records of the job now stored: a job enqueued again under the key of a finished one starts its attempts
    /// from 1 again on the same list, so only the run after the last restart of the numbering is its own, and none
    /// beyond the attempts it has made.
    /// </summary>
    public static IReadOnlyList<JobAttempt> OfCurrentJob(IReadOnlyList<JobAttempt> records, int attempts)
    {
        var start = records.Count;
        while (start > 0 && records[start - 1].Attempt <= attempts && (start == records.Count || records[start - 1].Attempt < records[start].Attempt))
        {
            start--;
        }

        return records.Skip(start).ToList();
    }
}

using System.Buffers;
using System.Text.Json;

namespace Errand.Backends;

/// <summary>Reads and writes SAQ's worker-info document: <c>{"stats": {...}, "queue_key": "Q", "metadata": ...}</c>.</summary>
internal static class WorkerInfoDocument
{
    /// <summary>Writes the worker-info document of <paramref name="info"/>.</summary>
    /// <param name="info">The worker info.</param>
    /// <returns>The UTF-8 JSON document.</returns>
    public static byte[] Serialize(WorkerInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("stats"u8);
            writer.WriteNumber("complete"u8, info.Stats.Complete);
            writer.WriteNumber("failed"u8, info.Stats.Failed);
            writer.WriteNumber("retried"u8, info.Stats.Retried);
            writer.WriteNumber("aborted"u8, info.Stats.Aborted);
            writer.WriteNumber("uptime"u8, info.Stats.UptimeMs);
            writer.WriteEndObject();
            writer.WriteString("queue_key"u8, info.Queue);
            writer.WritePropertyName("metadata"u8);
            if (info.Metadata is { } metadata)
            {
                metadata.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a worker-info document; missing counters read as 0.</summary>
    /// <param name="workerId">The worker id the document was stored for.</param>
    /// <param name="document">The UTF-8 JSON document.</param>
    /// <returns>The info, or <see langword="null"/> when the document is not a JSON object.</returns>
    public static WorkerInfo? Deserialize(string workerId, ReadOnlySpan<byte> document)
    {
        try
        {
            var reader = new Utf8JsonReader(document);
            using var parsed = JsonDocument.ParseValue(ref reader);
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var stats = root.TryGetProperty("stats", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
            var queue = root.TryGetProperty("queue_key", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : string.Empty;
            JsonElement? metadata = root.TryGetProperty("metadata", out var m) && m.ValueKind != JsonValueKind.Null ? m.Clone() : null;
            return new WorkerInfo(
                workerId,
                queue,
                new WorkerStats(Counter(stats, "complete"), Counter(stats, "failed"), Counter(stats, "retried"), Counter(stats, "aborted"), Counter(stats, "uptime")),
                metadata);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long Counter(JsonElement stats, string name) =>
        stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? (value.TryGetInt64(out var whole) ? whole : (long)value.GetDouble())
            : 0;
}

using System.Buffers;
using System.Text.Json;

namespace Errand.Backends;

/// <summary>Reads and writes SAQ's job document (<c>spec/saq-redis-format.md</c>): field names, units, defaults left out.</summary>
/// <remarks>Thread-safe. Fields the document has and this version does not know are kept and written back.</remarks>
internal static class JobDocument
{
    private const int MaxKeptBuffer = 64 * 1024;
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>Writes <paramref name="job"/> as a SAQ job document, leaving out every field that has its default.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The UTF-8 JSON document.</returns>
    public static byte[] Serialize(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);

        // One buffer and one writer per thread, reused: the document is the only allocation.
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        Write(writer, job);
        writer.Flush();
        // A non-finite float read from Python's JSON goes back as the bare token Python wrote.
        var document = NonFiniteNumbers.Unquote(buffer.WrittenSpan) ?? buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > MaxKeptBuffer)
        {
            // A huge document does not pin its buffer to the thread for ever.
            (_buffer, _writer) = (null, null);
        }

        return document;
    }

    /// <summary>Writes <paramref name="job"/> as a SAQ job document to <paramref name="writer"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="job">The job.</param>
    public static void Write(Utf8JsonWriter writer, Job job)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(job);
        writer.WriteStartObject();
        writer.WriteString("function"u8, job.Function);
        if (job.Kwargs is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } kwargs)
        {
            writer.WritePropertyName("kwargs"u8);
            kwargs.WriteTo(writer);
        }

        writer.WriteString("queue"u8, job.Queue);
        writer.WriteString("key"u8, job.Key);
        WriteIfNot(writer, "timeout"u8, job.Timeout, Job.DefaultTimeout);
        WriteIfNot(writer, "heartbeat"u8, job.Heartbeat, 0);
        WriteIfNot(writer, "retries"u8, job.Retries, Job.DefaultRetries);
        WriteIfNot(writer, "ttl"u8, job.Ttl, Job.DefaultTtl);
        if (job.RetryDelay != 0)
        {
            NonFiniteNumbers.WriteNumber(writer, "retry_delay"u8, job.RetryDelay);
        }

        if (job.RetryBackoff)
        {
            if (job.RetryBackoffCap is { } cap)
            {
                NonFiniteNumbers.WriteNumber(writer, "retry_backoff"u8, cap);
            }
            else
            {
                writer.WriteBoolean("retry_backoff"u8, true);
            }
        }

        WriteIfNot(writer, "scheduled"u8, job.Scheduled, 0);
        if (job.Progress != 0)
        {
            NonFiniteNumbers.WriteNumber(writer, "progress"u8, job.Progress);
        }

        WriteIfNot(writer, "attempts"u8, job.Attempts, 0);
        WriteIfNot(writer, "completed"u8, job.Completed, 0);
        WriteIfNot(writer, "queued"u8, job.Queued, 0);
        WriteIfNot(writer, "started"u8, job.Started, 0);
        WriteIfNot(writer, "touched"u8, job.Touched, 0);
        if (job.Result is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } result)
        {
            writer.WritePropertyName("result"u8);
            result.WriteTo(writer);
        }

        if (job.Error is not null)
        {
            writer.WriteString("error"u8, job.Error);
        }

        if (job.Status != JobStatus.New)
        {
            writer.WriteString("status"u8, job.Status.ToWire());
        }

        WriteIfNot(writer, "priority"u8, job.Priority, 0);
        if (job.GroupKey is not null)
        {
            writer.WriteString("group_key"u8, job.GroupKey);
        }

        if (job.Meta.Count > 0)
        {
            writer.WriteStartObject("meta"u8);
            foreach (var (name, value) in job.Meta)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        if (job.WorkerId is not null)
        {
            writer.WriteString("worker_id"u8, job.WorkerId);
        }

        if (job.UnknownFields is { } unknown)
        {
            foreach (var (name, value) in unknown)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a SAQ job document.</summary>
    /// <param name="document">The UTF-8 JSON document.</param>
    /// <param name="jobKey">The key it was stored under, for the error message; <see langword="null"/> when unknown.</param>
    /// <param name="expectedQueue">The queue the reader serves; a document of another queue is refused. <see langword="null"/> accepts any.</param>
    /// <returns>The job.</returns>
    /// <exception cref="CorruptJobException">The document is not JSON, misses a required field, has a field of the wrong type, or belongs to another queue.</exception>
    /// <remarks>
    /// Python's <c>json.dumps</c> writes a float that is not finite as a bare <c>NaN</c>, <c>Infinity</c> or
    /// <c>-Infinity</c>: such a document is read (its typed fields as those numbers, a value in <c>kwargs</c>,
    /// <c>result</c>, <c>meta</c> or an unknown field as a string of U+FDD0 and the token), and
    /// <see cref="Serialize"/> writes the bare tokens back.
    /// </remarks>
    public static Job Deserialize(ReadOnlySpan<byte> document, string? jobKey, string? expectedQueue)
    {
        try
        {
            return Parse(document, jobKey, expectedQueue);
        }
        catch (CorruptJobException ex) when (ex.InnerException is JsonException && NonFiniteNumbers.Quote(document) is { } quoted)
        {
            return Parse(quoted, jobKey, expectedQueue);
        }
    }

    /// <summary>Reads only the <c>status</c> field of a job document, cheaply; <see langword="null"/> when it cannot.</summary>
    /// <param name="document">The UTF-8 JSON document.</param>
    /// <returns>The stored status, <see cref="JobStatus.New"/> when the field is missing, or <see langword="null"/> when the document is corrupt.</returns>
    public static JobStatus? ReadStatus(ReadOnlySpan<byte> document) =>
        TryReadStatus(document, out var status) ? status
        : NonFiniteNumbers.Quote(document) is { } quoted && TryReadStatus(quoted, out status) ? status
        : null;

    private static Job Parse(ReadOnlySpan<byte> document, string? jobKey, string? expectedQueue)
    {
        try
        {
            var reader = new Utf8JsonReader(document);
            return Read(ref reader, jobKey, expectedQueue);
        }
        catch (JsonException ex)
        {
            throw new CorruptJobException(jobKey, $"not valid JSON ({ex.Message})", ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException)
        {
            throw new CorruptJobException(jobKey, ex.Message, ex);
        }
    }

    // False when the document is not JSON or its status is not a status word.
    private static bool TryReadStatus(ReadOnlySpan<byte> document, out JobStatus? status)
    {
        status = null;
        try
        {
            var reader = new Utf8JsonReader(document);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("status"u8))
                {
                    reader.Read();
                    if (!JobStatusExtensions.TryParseWire(reader.GetString(), out var word))
                    {
                        return false;
                    }

                    status = word;
                    return true;
                }

                reader.Read();
                reader.TrySkip();
            }

            status = JobStatus.New;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static Job Read(ref Utf8JsonReader reader, string? jobKey, string? expectedQueue)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new CorruptJobException(jobKey, "the document is not a JSON object");
        }

        string? function = null, queue = null, key = null;
        var fields = new JobFields();
        Dictionary<string, JsonElement>? meta = null, unknown = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "function": function = RequireString(ref reader, name, jobKey); break;
                case "queue": queue = RequireString(ref reader, name, jobKey); break;
                case "key": key = RequireString(ref reader, name, jobKey); break;
                case "kwargs": fields.Kwargs = NullableElement(ref reader); break;
                case "timeout": fields.Timeout = (int)Seconds(ref reader, name, jobKey); break;
                case "heartbeat": fields.Heartbeat = (int)Seconds(ref reader, name, jobKey); break;
                case "retries": fields.Retries = (int)Seconds(ref reader, name, jobKey); break;
                case "ttl": fields.Ttl = (int)Seconds(ref reader, name, jobKey); break;
                case "retry_delay": fields.RetryDelay = Number(ref reader, name, jobKey) ?? 0; break;
                case "retry_backoff":
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.True: fields.RetryBackoff = true; break;
                        case JsonTokenType.False or JsonTokenType.Null: fields.RetryBackoff = false; break;
                        case JsonTokenType.Number: fields.RetryBackoff = true; fields.RetryBackoffCap = reader.GetDouble(); break;
                        case JsonTokenType.String when NonFiniteNumbers.TryRead(ref reader, out var cap): fields.RetryBackoff = true; fields.RetryBackoffCap = cap; break;
                        default: throw new CorruptJobException(jobKey, "retry_backoff must be a boolean or a number");
                    }

                    break;
                case "scheduled": fields.Scheduled = Integer(ref reader, name, jobKey); break;
                case "progress": fields.Progress = Number(ref reader, name, jobKey) ?? 0; break;
                case "attempts": fields.Attempts = (int)Integer(ref reader, name, jobKey); break;
                case "completed": fields.Completed = Integer(ref reader, name, jobKey); break;
                case "queued": fields.Queued = Integer(ref reader, name, jobKey); break;
                case "started": fields.Started = Integer(ref reader, name, jobKey); break;
                case "touched": fields.Touched = Integer(ref reader, name, jobKey); break;
                case "result": fields.Result = NullableElement(ref reader); break;
                case "error": fields.Error = reader.TokenType == JsonTokenType.Null ? null : RequireString(ref reader, name, jobKey); break;
                case "status":
                    var word = RequireString(ref reader, name, jobKey);
                    if (!JobStatusExtensions.TryParseWire(word, out fields.Status))
                    {
                        throw new CorruptJobException(jobKey, $"unknown status '{word}'");
                    }

                    break;
                case "priority": fields.Priority = (int)Integer(ref reader, name, jobKey); break;
                case "group_key": fields.GroupKey = reader.TokenType == JsonTokenType.Null ? null : RequireString(ref reader, name, jobKey); break;
                case "worker_id": fields.WorkerId = reader.TokenType == JsonTokenType.Null ? null : RequireString(ref reader, name, jobKey); break;
                case "meta":
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        meta = [];
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var metaName = reader.GetString()!;
                            reader.Read();
                            meta[metaName] = JsonElement.ParseValue(ref reader);
                        }
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        throw new CorruptJobException(jobKey, "meta must be an object");
                    }

                    break;
                default:
                    (unknown ??= new(StringComparer.Ordinal))[name] = JsonElement.ParseValue(ref reader);
                    break;
            }
        }

        if (function is null)
        {
            throw new CorruptJobException(jobKey, "the field 'function' is missing");
        }

        if (queue is null)
        {
            throw new CorruptJobException(jobKey, "the field 'queue' is missing");
        }

        if (key is null)
        {
            throw new CorruptJobException(jobKey, "the field 'key' is missing");
        }

        if (expectedQueue is not null && !string.Equals(queue, expectedQueue, StringComparison.Ordinal))
        {
            throw new CorruptJobException(jobKey, $"it belongs to queue '{queue}', not '{expectedQueue}'");
        }

        var job = new Job(function, queue, key);
        fields.ApplyTo(job);
        if (meta is not null)
        {
            foreach (var (name, value) in meta)
            {
                job.Meta[name] = value;
            }
        }

        job.UnknownFields = unknown;
        return job;
    }

    private static void WriteIfNot(Utf8JsonWriter writer, ReadOnlySpan<byte> name, long value, long defaultValue)
    {
        if (value != defaultValue)
        {
            writer.WriteNumber(name, value);
        }
    }

    private static string RequireString(ref Utf8JsonReader reader, string name, string? jobKey) =>
        reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new CorruptJobException(jobKey, $"the field '{name}' must be a string, not {reader.TokenType}");

    private static JsonElement? NullableElement(ref Utf8JsonReader reader)
    {
        var element = JsonElement.ParseValue(ref reader);
        return element.ValueKind == JsonValueKind.Null ? null : element;
    }

    private static double? Number(ref Utf8JsonReader reader, string name, string? jobKey) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.Null => null,
        _ when NonFiniteNumbers.TryRead(ref reader, out var value) => value,
        _ => throw new CorruptJobException(jobKey, $"the field '{name}' must be a number, not {reader.TokenType}"),
    };

    // Durations may have been written as floats by a Python caller (timeout=2.5): round up, never to less time.
    private static long Seconds(ref Utf8JsonReader reader, string name, string? jobKey) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var whole)
            ? whole
            : (long)Math.Ceiling(Number(ref reader, name, jobKey) ?? 0);

    private static long Integer(ref Utf8JsonReader reader, string name, string? jobKey) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var whole)
            ? whole
            : (long)(Number(ref reader, name, jobKey) ?? 0);

    private struct JobFields
    {
        public JsonElement? Kwargs;
        public int Timeout;
        public int Heartbeat;
        public int Retries;
        public int Ttl;
        public double RetryDelay;
        public bool RetryBackoff;
        public double? RetryBackoffCap;
        public long Scheduled;
        public double Progress;
        public int Attempts;
        public long Completed;
        public long Queued;
        public long Started;
        public long Touched;
        public JsonElement? Result;
        public string? Error;
        public JobStatus Status;
        public int Priority;
        public string? GroupKey;
        public string? WorkerId;

        public JobFields()
        {
            Timeout = Job.DefaultTimeout;
            Retries = Job.DefaultRetries;
            Ttl = Job.DefaultTtl;
        }

        public readonly void ApplyTo(Job job)
        {
            job.Kwargs = Kwargs;
            job.Timeout = Timeout;
            job.Heartbeat = Heartbeat;
            job.Retries = Retries;
            job.Ttl = Ttl;
            job.RetryDelay = RetryDelay;
            job.RetryBackoff = RetryBackoff;
            job.RetryBackoffCap = RetryBackoffCap;
            job.Scheduled = Scheduled;
            job.Progress = Progress;
            job.Attempts = Attempts;
            job.Completed = Completed;
            job.Queued = Queued;
            job.Started = Started;
            job.Touched = Touched;
            job.Result = Result;
            job.Error = Error;
            job.Status = Status;
            job.Priority = Priority;
            job.GroupKey = GroupKey;
            job.WorkerId = WorkerId;
        }
    }
}

using System.Text;
using System.Text.Json;
using Errand.Backends;

namespace Errand.Tests.Backends;

public sealed class JobDocumentTests
{
    private const string Key = "k1";

    // Exactly as Python SAQ's json.dumps writes it: spaces after separators, nulls and zeros present.
    private const string PythonDocument = """
        {"function": "send_mail", "kwargs": {"to": "a@example.com", "n": 2}, "queue": "default", "key": "k1", "timeout": 30, "heartbeat": 5, "retries": 3, "ttl": 0, "retry_delay": 1.5, "retry_backoff": true, "scheduled": 1700000000, "progress": 0.25, "attempts": 1, "completed": 0, "queued": 1700000000123, "started": 1700000001123, "touched": 1700000002123, "result": null, "error": null, "status": "active", "priority": 0, "group_key": null, "meta": {"trace": "00-abc-01"}, "worker_id": "w-1"}
        """;

    [Fact]
    public void Deserialize_PythonSaqDocument_ReadsEveryField()
    {
        var job = JobDocument.Deserialize(Encoding.UTF8.GetBytes(PythonDocument), Key, "default");

        Assert.Equal("send_mail", job.Function);
        Assert.Equal("default", job.Queue);
        Assert.Equal("k1", job.Key);
        Assert.Equal(Key, job.Key);
        Assert.Equal("a@example.com", job.Kwargs!.Value.GetProperty("to").GetString());
        Assert.Equal(2, job.Kwargs!.Value.GetProperty("n").GetInt32());
        Assert.Equal(30, job.Timeout);
        Assert.Equal(5, job.Heartbeat);
        Assert.Equal(3, job.Retries);
        Assert.Equal(0, job.Ttl);
        Assert.Equal(1.5, job.RetryDelay);
        Assert.True(job.RetryBackoff);
        Assert.Null(job.RetryBackoffCap);
        Assert.Equal(1700000000, job.Scheduled);
        Assert.Equal(0.25, job.Progress);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(0, job.Completed);
        Assert.Equal(1700000000123, job.Queued);
        Assert.Equal(1700000001123, job.Started);
        Assert.Equal(1700000002123, job.Touched);
        Assert.Null(job.Result);
        Assert.Null(job.Error);
        Assert.Equal(JobStatus.Active, job.Status);
        Assert.Equal(0, job.Priority);
        Assert.Null(job.GroupKey);
        Assert.Equal("00-abc-01", job.Meta["trace"].GetString());
        Assert.Equal("w-1", job.WorkerId);
    }

    [Fact]
    public void Deserialize_PythonDocumentWithFieldsLeftOut_TakesSaqDefaults()
    {
        var job = JobDocument.Deserialize("""{"function": "f", "queue": "default", "key": "k1"}"""u8, Key, "default");

        Assert.Null(job.Kwargs);
        Assert.Equal(10, job.Timeout);
        Assert.Equal(0, job.Heartbeat);
        Assert.Equal(1, job.Retries);
        Assert.Equal(600, job.Ttl);
        Assert.Equal(0.0, job.RetryDelay);
        Assert.False(job.RetryBackoff);
        Assert.Equal(0, job.Scheduled);
        Assert.Equal(0.0, job.Progress);
        Assert.Equal(0, job.Attempts);
        Assert.Equal(0, job.Queued);
        Assert.Equal(JobStatus.New, job.Status);
        Assert.Empty(job.Meta);
        Assert.Null(job.WorkerId);
    }

    [Fact]
    public void Deserialize_RetryBackoffAsNumber_IsBackoffWithThatCap()
    {
        var job = JobDocument.Deserialize("""{"function": "f", "queue": "default", "key": "k1", "retry_backoff": 60.0}"""u8, Key, null);

        Assert.True(job.RetryBackoff);
        Assert.Equal(60.0, job.RetryBackoffCap);
    }

    [Fact]
    public void Deserialize_FloatTimeoutFromPython_RoundsUpToWholeSeconds()
    {
        var job = JobDocument.Deserialize("""{"function": "f", "queue": "default", "key": "k1", "timeout": 2.5, "heartbeat": 0.2}"""u8, Key, null);

        Assert.Equal(3, job.Timeout);
        Assert.Equal(1, job.Heartbeat);
    }

    [Fact]
    public void Serialize_DefaultJob_WritesOnlyTheRequiredFields()
    {
        var json = Encoding.UTF8.GetString(JobDocument.Serialize(new Job("add", "default", "k1")));

        // Fixed by the spec: every field at its default is left out.
        Assert.Equal("""{"function":"add","queue":"default","key":"k1"}""", json);
    }

    [Fact]
    public void Serialize_JobWithEveryField_WritesSpecNamesAndUnits()
    {
        var job = new Job("send_mail", "default", "k1")
        {
            Kwargs = Json("""{"to": "a@example.com"}"""),
            Timeout = 0,
            Heartbeat = 5,
            Retries = 3,
            Ttl = -1,
            RetryDelay = 1.5,
            RetryBackoff = true,
            Scheduled = 1700000000,
            Progress = 0.5,
            Attempts = 2,
            Completed = 1700000003000,
            Queued = 1700000000123,
            Started = 1700000001123,
            Touched = 1700000002123,
            Result = Json("""{"sent": true}"""),
            Error = "Traceback...",
            Status = JobStatus.Complete,
            Priority = 7,
            GroupKey = "g",
            WorkerId = "w-1",
        };
        job.Meta["trace"] = Json("\"00-abc-01\"");

        using var document = JsonDocument.Parse(JobDocument.Serialize(job));
        var root = document.RootElement;

        Assert.Equal("send_mail", root.GetProperty("function").GetString());
        Assert.Equal("a@example.com", root.GetProperty("kwargs").GetProperty("to").GetString());
        Assert.Equal("default", root.GetProperty("queue").GetString());
        Assert.Equal("k1", root.GetProperty("key").GetString());
        Assert.Equal("0", root.GetProperty("timeout").GetRawText());
        Assert.Equal("5", root.GetProperty("heartbeat").GetRawText());
        Assert.Equal("3", root.GetProperty("retries").GetRawText());
        Assert.Equal("-1", root.GetProperty("ttl").GetRawText());
        Assert.Equal(1.5, root.GetProperty("retry_delay").GetDouble());
        Assert.Equal(JsonValueKind.True, root.GetProperty("retry_backoff").ValueKind);

        // The enqueue script compares scheduled with the string "0": it must be an integer, never 1700000000.0.
        Assert.Equal("1700000000", root.GetProperty("scheduled").GetRawText());
        Assert.Equal(0.5, root.GetProperty("progress").GetDouble());
        Assert.Equal("2", root.GetProperty("attempts").GetRawText());
        Assert.Equal("1700000003000", root.GetProperty("completed").GetRawText());
        Assert.Equal("1700000000123", root.GetProperty("queued").GetRawText());
        Assert.Equal("1700000001123", root.GetProperty("started").GetRawText());
        Assert.Equal("1700000002123", root.GetProperty("touched").GetRawText());
        Assert.True(root.GetProperty("result").GetProperty("sent").GetBoolean());
        Assert.Equal("Traceback...", root.GetProperty("error").GetString());
        Assert.Equal("complete", root.GetProperty("status").GetString());
        Assert.Equal("7", root.GetProperty("priority").GetRawText());
        Assert.Equal("g", root.GetProperty("group_key").GetString());
        Assert.Equal("00-abc-01", root.GetProperty("meta").GetProperty("trace").GetString());
        Assert.Equal("w-1", root.GetProperty("worker_id").GetString());
    }

    [Fact]
    public void Serialize_RetryBackoffWithCap_WritesTheCapAsANumber()
    {
        var job = new Job("f", "default", "k1") { RetryBackoff = true, RetryBackoffCap = 60 };

        using var document = JsonDocument.Parse(JobDocument.Serialize(job));

        Assert.Equal(60, document.RootElement.GetProperty("retry_backoff").GetDouble());
    }

    [Fact]
    public void RoundTrip_PythonDocument_KeepsEveryValue()
    {
        var job = JobDocument.Deserialize(Encoding.UTF8.GetBytes(PythonDocument), Key, "default");

        var again = JobDocument.Deserialize(JobDocument.Serialize(job), Key, "default");

        Assert.Equal(JobDocument.Serialize(job), JobDocument.Serialize(again));
        Assert.Equal(job.Touched, again.Touched);
        Assert.Equal(job.RetryDelay, again.RetryDelay);
        Assert.Equal(job.Meta["trace"].GetString(), again.Meta["trace"].GetString());
    }

    [Fact]
    public void RoundTrip_UnknownFields_AreWrittenBackUnchanged()
    {
        var document = """{"function": "f", "queue": "default", "key": "k1", "future_field": {"a": [1, 2.5, null]}, "note": "kept"}"""u8;

        var job = JobDocument.Deserialize(document, Key, "default");
        job.Progress = 0.5;
        using var written = JsonDocument.Parse(JobDocument.Serialize(job));

        var root = written.RootElement;
        Assert.Equal("""{"a":[1,2.5,null]}""", root.GetProperty("future_field").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal));
        Assert.Equal("kept", root.GetProperty("note").GetString());
        Assert.Equal(0.5, root.GetProperty("progress").GetDouble());
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"function": "f", "queue": "default", """)]
    [InlineData("""[1, 2]""")]
    [InlineData("""{"queue": "default", "key": "k1"}""")]
    [InlineData("""{"function": "f", "key": "k1"}""")]
    [InlineData("""{"function": "f", "queue": "default"}""")]
    [InlineData("""{"function": 12, "queue": "default", "key": "k1"}""")]
    [InlineData("""{"function": "f", "queue": "other", "key": "k1"}""")]
    [InlineData("""{"function": "f", "queue": "default", "key": "k1", "status": "running"}""")]
    [InlineData("""{"function": "f", "queue": "default", "key": "k1", "timeout": "ten"}""")]
    [InlineData("""{"function": "f", "queue": "default", "key": "k1", "retry_backoff": "yes"}""")]
    public void Deserialize_CorruptDocument_ThrowsCorruptJobExceptionNamingTheKey(string document)
    {
        var error = Assert.Throws<CorruptJobException>(() => JobDocument.Deserialize(Encoding.UTF8.GetBytes(document), Key, "default"));

        Assert.Equal(Key, error.JobKey);
        Assert.Contains(Key, error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.Reason));
    }

    [Fact]
    public void Deserialize_OtherQueue_SaysWhichQueue()
    {
        var error = Assert.Throws<CorruptJobException>(() => JobDocument.Deserialize("""{"function": "f", "queue": "other", "key": "k1"}"""u8, Key, "default"));

        Assert.Contains("other", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"function": "f", "status": "aborting", "queue": "q"}""", JobStatus.Aborting)]
    [InlineData("""{"function": "f", "queue": "q"}""", JobStatus.New)]
    [InlineData("""{"kwargs": {"status": "complete"}, "status": "queued"}""", JobStatus.Queued)]
    public void ReadStatus_Document_ReadsTheTopLevelStatus(string document, JobStatus expected)
    {
        Assert.Equal(expected, JobDocument.ReadStatus(Encoding.UTF8.GetBytes(document)));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"status": "running"}""")]
    public void ReadStatus_CorruptDocument_ReturnsNull(string document)
    {
        Assert.Null(JobDocument.ReadStatus(Encoding.UTF8.GetBytes(document)));
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Deserialize_PythonNonFiniteFloats_ReadsThemAndSerializeWritesThemBackBare()
    {
        // As Python's json.dumps writes them; the same words inside strings are text and stay text.
        var python = """{"function": "f", "kwargs": {"x": NaN, "y": [Infinity, -Infinity, -1.5e-3], "s": "NaN", "t": "a\"NaN\" Infinity"}, "queue": "q", "key": "k", "retry_delay": Infinity, "retry_backoff": NaN, "progress": NaN, "result": -Infinity, "meta": {"m": NaN}, "extra": [NaN]}""";

        var job = JobDocument.Deserialize(Encoding.UTF8.GetBytes(python), "saq:job:q:k", "q");
        var written = Encoding.UTF8.GetString(JobDocument.Serialize(job));

        Assert.True(double.IsPositiveInfinity(job.RetryDelay));
        Assert.True(job.RetryBackoff);
        Assert.True(double.IsNaN(job.RetryBackoffCap!.Value));
        Assert.True(double.IsNaN(job.Progress));
        Assert.Equal("NaN", job.Kwargs!.Value.GetProperty("s").GetString());
        Assert.Contains("\"kwargs\":{\"x\":NaN,\"y\":[Infinity,-Infinity,-1.5e-3],\"s\":\"NaN\",\"t\":\"a\\u0022NaN\\u0022 Infinity\"}", written, StringComparison.Ordinal);
        Assert.Contains("\"retry_delay\":Infinity,\"retry_backoff\":NaN", written, StringComparison.Ordinal);
        Assert.Contains("\"progress\":NaN", written, StringComparison.Ordinal);
        Assert.Contains("\"result\":-Infinity", written, StringComparison.Ordinal);
        Assert.Contains("\"meta\":{\"m\":NaN}", written, StringComparison.Ordinal);
        Assert.Contains("\"extra\":[NaN]", written, StringComparison.Ordinal);
        Assert.Equal(JobStatus.New, JobDocument.ReadStatus(Encoding.UTF8.GetBytes(python)));
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace Errand.Redis.Tests;

/// <content>Documents with the non-finite floats Python's json.dumps writes as bare NaN, Infinity and -Infinity.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task WorkerRunAsync_SaqDocumentWithNaNAndInfinity_RunsItAndKeepsTheValuesAsPythonWroteThem()
    {
        // Written exactly as SAQ writes a job: json.dumps of its fields (allow_nan is json.dumps's default).
        var id = Id("floats");
        var kwargs = """{"x": float("nan"), "y": float("inf"), "z": -float("inf"), "s": "NaN", "l": [1.5, float("nan")]}""";
        var written = await PythonAsync($$$"""
            import json
            print(json.dumps({"function": "echo", "kwargs": {{{kwargs}}}, "queue": "{{{QueueName}}}", "key": "floats",
                "timeout": 10, "retry_delay": float("inf"), "retry_backoff": float("nan"), "progress": float("nan"),
                "queued": {{{NowMs}}}, "status": "queued", "meta": {"score": -float("inf")}}), end="")
            """);
        Assert.Contains("\"x\": NaN", written, StringComparison.Ordinal);
        await redis.Db.StringSetAsync(id, written);
        await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), id, 0);
        await redis.Db.ListRightPushAsync(KeyOf("queued"), id);

        await using var queue = await RedisQueueFactory.ConnectAsync(redis.Url, QueueName, cancellationToken: Ct);
        using var stop = new CancellationTokenSource();
        using var worker = new Worker(queue, new JobFunctions().Add<JsonElement, JsonElement>("echo", (args, _) => Task.FromResult(args)));
        var running = worker.RunAsync(stop.Token);
        var done = await queue.WaitAsync("floats", TimeSpan.FromSeconds(20), Ct);
        await stop.CancelAsync();
        await running;

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.False(await redis.Db.KeyExistsAsync($"errand:{QueueName}:corrupt"));
        var stored = (string?)await redis.Db.StringGetAsync(id);
        Assert.NotNull(stored);

        // Python reads the stored document back: the kwargs it wrote, the echo as the result, its own floats kept.
        var check = await PythonAsync($$$"""
            import json, math, sys
            job = json.loads(sys.stdin.read())
            expected = {{{kwargs}}}
            same = lambda a, b: json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
            print(same(job["kwargs"], expected), same(job["result"], expected), job["status"],
                  math.isinf(job["retry_delay"]), math.isnan(job["retry_backoff"]), float(job["progress"]), job["meta"]["score"], end="")
            """, stored);
        Assert.Equal("True True complete True True 1.0 -inf", check);
    }

    private static async Task<string> PythonAsync(string script, string? input = null)
    {
        var start = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        await python.StandardInput.WriteAsync(input ?? string.Empty);
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEndAsync(Ct);
        var error = python.StandardError.ReadToEndAsync(Ct);
        await python.WaitForExitAsync(Ct);
        Assert.True(python.ExitCode == 0, await error);
        return await output;
    }
}

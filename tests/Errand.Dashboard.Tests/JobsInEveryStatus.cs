using System.Text.Json;
using Errand.Backends;

namespace Errand.Dashboard.Tests;

/// <summary>Puts jobs in every status on a queue through the backend contract, as workers would leave them.</summary>
public static class JobsInEveryStatus
{
    public const string FailedError = """
        System.InvalidOperationException: the mail server said no <b>551</b>
           at Authors.Email.SendAsync(String to) in /src/Authors/Email.cs:line 42
           at Errand.Worker.ProcessAsync(Job job) in /src/Errand/Worker.Process.cs:line 40
        """;

    /// <summary>The error of f1's first two attempts, each retried.</summary>
    public const string TimeoutError = "System.TimeoutException: the mail server did not answer in 30 s";

    /// <summary>Queued q1 and q2, scheduled s1, active a1, complete c1, failed f1 (kwargs with HTML; two attempts retried, the third failed), aborted x1.</summary>
    public static async Task CreateAsync(Queue queue, CancellationToken ct)
    {
        var backend = queue.Backend;
        async Task<Job> Enqueue(string key, string kwargs, long scheduled = 0)
        {
            var job = new Job("send_email", queue.Name, key)
            {
                Kwargs = JsonDocument.Parse(kwargs).RootElement.Clone(),
                Scheduled = scheduled,
                Retries = 3,
            };
            return (await backend.EnqueueAsync(job, ct)).Job;
        }

        async Task<Job> Take(string key, string worker = "worker-1")
        {
            var job = Assert.Single(await backend.DequeueAsync(new DequeueRequest(worker, 1, TimeSpan.Zero), ct));
            Assert.Equal(key, job.Key);
            return job;
        }

        await Enqueue("c1", """{"to": "ok@example.com"}""");
        await Enqueue("f1", """{"to": "<script>alert('x')</script>", "subject": "<img src=x onerror=alert(1)>"}""");
        var complete = await Take("c1");
        complete.Result = JsonDocument.Parse("""{"sent": true, "id": 7}""").RootElement.Clone();
        await backend.FinishAsync(complete, JobStatus.Complete, ct);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var timedOut = await Take("f1", $"worker-{attempt}");
            timedOut.Error = TimeoutError;
            await backend.RetryAsync(timedOut, TimeSpan.Zero, ct);
        }

        var failed = await Take("f1", "worker-2");
        failed.Error = FailedError;
        await backend.FinishAsync(failed, JobStatus.Failed, ct);
        await Enqueue("a1", """{"to": "busy@example.com"}""");
        var active = await Take("a1");
        active.Progress = 0.4;
        await backend.UpdateAsync(active, ct);
        await Enqueue("x1", """{"to": "never@example.com"}""");
        await queue.AbortAsync("x1", "not needed", ct);
        await Enqueue("q1", """{"to": "a@example.com"}""");
        await Enqueue("q2", """{"to": "b@example.com"}""");
        await Enqueue("s1", """{"to": "later@example.com"}""", TimeProvider.System.GetUtcNow().AddHours(1).ToUnixTimeSeconds());
    }
}

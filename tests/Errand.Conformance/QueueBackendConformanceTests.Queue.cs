using Errand.Backends;

namespace Errand.Conformance;

/// <content>The <see cref="Queue"/> over the backend: waiting for jobs, apply and map, with the test acting as the worker.</content>
public abstract partial class QueueBackendConformanceTests
{
    private static readonly TimeSpan WorkerWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task QueueWaitAsync_JobFinishesLater_ReturnsTheFinishedJob()
    {
        var queue = new Queue(Backend, null, Clock);
        var job = await queue.EnqueueAsync("work", new { n = 1 }, cancellationToken: Ct);

        var waiting = queue.WaitAsync(job.Key, TimeSpan.FromMinutes(5), Ct);
        var taken = await DequeueOneAsync(job.Key);
        taken.Result = Json("\"done\"");
        await Backend.FinishAsync(taken, JobStatus.Complete, Ct);

        var finished = await Within(waiting);
        Assert.Equal(JobStatus.Complete, finished.Status);
        Assert.Equal("done", finished.Result!.Value.GetString());
    }

    [Fact]
    public async Task QueueWaitAsync_JobAlreadyFinished_ReturnsItAtOnce()
    {
        var queue = new Queue(Backend, null, Clock);
        var job = await queue.EnqueueAsync("work", cancellationToken: Ct);
        var taken = await DequeueOneAsync(job.Key);
        taken.Error = "broken";
        await Backend.FinishAsync(taken, JobStatus.Failed, Ct);

        var finished = await Within(queue.WaitAsync(job.Key, TimeSpan.FromMinutes(5), Ct));

        Assert.Equal(JobStatus.Failed, finished.Status);
        Assert.Equal("broken", finished.Error);
    }

    [Fact]
    public async Task QueueWaitAsync_JobDoesNotFinishInTime_ThrowsJobWaitTimeoutException()
    {
        var observed = new SignallingBackend(Backend);
        var queue = new Queue(observed, null, Clock);
        var job = await queue.EnqueueAsync("work", cancellationToken: Ct);

        var waiting = queue.WaitAsync(job.Key, TimeSpan.FromSeconds(5), Ct);

        // The queue starts its timer before it first reads the jobs; once it has read them, advancing the clock fires it.
        await Within(observed.JobsRead);
        Clock.Advance(TimeSpan.FromSeconds(6));
        var error = await Assert.ThrowsAsync<JobWaitTimeoutException>(() => Within(waiting));
        Assert.Equal(job.Key, error.Key);
        Assert.Equal(JobStatus.Queued, error.LastStatus);
    }

    [Fact]
    public async Task QueueApplyAsync_WorkerCompletesTheJob_ReturnsItsResult()
    {
        var queue = new Queue(Backend, null, Clock);

        var applying = queue.ApplyAsync<int>("add", new { a = 1, b = 2 }, cancellationToken: Ct);
        var job = Assert.Single(await Within(Backend.DequeueAsync(new DequeueRequest("w1", 1, WorkerWait), Ct)));
        Assert.Equal("add", job.Function);
        var sum = job.Kwargs!.Value.GetProperty("a").GetInt32() + job.Kwargs!.Value.GetProperty("b").GetInt32();
        job.Result = Json(sum.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        Assert.Equal(3, await Within(applying));
    }

    [Fact]
    public async Task QueueApplyAsync_WorkerFailsTheJob_ThrowsJobFailedExceptionWithTheError()
    {
        var queue = new Queue(Backend, null, Clock);

        var applying = queue.ApplyAsync<int>("add", new { a = 1 }, cancellationToken: Ct);
        var job = Assert.Single(await Within(Backend.DequeueAsync(new DequeueRequest("w1", 1, WorkerWait), Ct)));
        job.Error = "KeyError: 'b'";
        await Backend.FinishAsync(job, JobStatus.Failed, Ct);

        var error = await Assert.ThrowsAsync<JobFailedException>(() => Within(applying));
        Assert.Equal(JobStatus.Failed, error.Status);
        Assert.Equal("KeyError: 'b'", error.Error);
    }

    [Fact]
    public async Task QueueMapAsync_WorkerFinishesOutOfOrder_ReturnsResultsInArgumentOrder()
    {
        var queue = new Queue(Backend, null, Clock);

        var mapping = queue.MapAsync<int>("square", [new { x = 2 }, new { x = 3 }, new { x = 4 }], cancellationToken: Ct);
        var jobs = new List<Job>();
        while (jobs.Count < 3)
        {
            jobs.AddRange(await Within(Backend.DequeueAsync(new DequeueRequest("w1", 3, WorkerWait), Ct)));
        }

        foreach (var job in Enumerable.Reverse(jobs))
        {
            var x = job.Kwargs!.Value.GetProperty("x").GetInt32();
            job.Result = Json((x * x).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Backend.FinishAsync(job, JobStatus.Complete, Ct);
        }

        var outcomes = await Within(mapping);
        Assert.Equal([4, 9, 16], outcomes.Select(o => o.Result));
        Assert.All(outcomes, o => Assert.True(o.Succeeded));
    }

    [Fact]
    public async Task QueueMapAsync_ReturnErrorsAndOneFails_ReturnsTheFailureInPlace()
    {
        var queue = new Queue(Backend, null, Clock);

        var mapping = queue.MapAsync<int>("square", [new { x = 2 }, new { x = -1 }], new MapOptions { ReturnErrors = true }, Ct);
        var jobs = new List<Job>();
        while (jobs.Count < 2)
        {
            jobs.AddRange(await Within(Backend.DequeueAsync(new DequeueRequest("w1", 2, WorkerWait), Ct)));
        }

        foreach (var job in jobs)
        {
            var x = job.Kwargs!.Value.GetProperty("x").GetInt32();
            if (x < 0)
            {
                job.Error = "negative";
                await Backend.FinishAsync(job, JobStatus.Failed, Ct);
            }
            else
            {
                job.Result = Json((x * x).ToString(System.Globalization.CultureInfo.InvariantCulture));
                await Backend.FinishAsync(job, JobStatus.Complete, Ct);
            }
        }

        var outcomes = await Within(mapping);
        Assert.True(outcomes[0].Succeeded);
        Assert.Equal(4, outcomes[0].Result);
        Assert.False(outcomes[1].Succeeded);
        Assert.Equal("negative", outcomes[1].Error!.Error);
    }
}

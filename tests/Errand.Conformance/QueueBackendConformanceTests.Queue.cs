using Errand.Backends;

namespace Errand.Conformance;

/// <content>The <see cref="Queue"/> over the backend: waiting for jobs, apply and map, with the test acting as the worker.</content>
public abstract partial class QueueBackendConformanceTests
{
    private static readonly TimeSpan WorkerWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task QueueEnqueueManyAsync_MoreJobsThanOneBackendCallTakes_StoresEachAndTheyAreTakenInOrder()
    {
        var queue = new Queue(Backend, null, Clock);
        var count = 1_200;

        var jobs = await queue.EnqueueManyAsync("work", Enumerable.Range(0, count).Select(i => (object?)new { n = i }), cancellationToken: Ct);

        Assert.Equal(count, jobs.Count);
        Assert.Equal(Enumerable.Range(0, count), jobs.Select(j => j.Kwargs!.Value.GetProperty("n").GetInt32()));
        Assert.All(jobs, j => Assert.Equal(JobStatus.Queued, j.Status));
        Assert.Equal(count, jobs.Select(j => j.Key).Distinct().Count());
        Assert.Equal(new QueueCounts(count, 0, 0, count), await Backend.CountAsync(Ct));
        var taken = new List<Job>();
        while (taken.Count < count && await DequeueNowAsync(100) is { Count: > 0 } batch)
        {
            taken.AddRange(batch);
        }

        Assert.Equal(jobs.Select(j => j.Key), taken.Select(j => j.Key));
    }

    [Fact]
    public async Task QueueEnqueueManyAsync_SeveralJobs_StartsEveryEnqueueBeforeAnyReturns()
    {
        // Started together, the backend can send them in one call; awaited one by one, each would be a round trip.
        var observed = new SignallingBackend(Backend);
        var queue = new Queue(observed, null, Clock);
        observed.HoldEnqueuesTogether(5);

        var jobs = await Within(queue.EnqueueManyAsync("work", [null, null, null, null, null], cancellationToken: Ct));

        Assert.Equal(5, jobs.Count);
        Assert.Equal(new QueueCounts(5, 0, 0, 5), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task QueueEnqueueManyAsync_KeyTwiceAndKeyAlreadyQueued_EachHandledAsIfEnqueuedAlone()
    {
        var queue = new Queue(Backend, null, Clock);
        var (heldKey, twiceKey) = (UniqueKey("held"), UniqueKey("twice"));
        var before = await EnqueueNewAsync(heldKey, j => j.Kwargs = Json("""{"n": 0}"""));
        var first = NewJob(twiceKey);
        first.Kwargs = Json("""{"n": 1}""");
        var held = NewJob(heldKey, "other");
        var second = NewJob(twiceKey, "other");
        second.Kwargs = Json("""{"n": 2}""");

        var jobs = await queue.EnqueueManyAsync([first, held, second], Ct);

        Assert.Equal([twiceKey, heldKey, twiceKey], jobs.Select(j => j.Key));
        Assert.Equal(["work", "work", "work"], jobs.Select(j => j.Function));
        Assert.Equal([1, 0, 1], jobs.Select(j => j.Kwargs!.Value.GetProperty("n").GetInt32()));
        Assert.Equal(before.Queued, jobs[1].Queued);
        Assert.Equal(1, (await StoredAsync(twiceKey)).Kwargs!.Value.GetProperty("n").GetInt32());
        Assert.Equal(new QueueCounts(2, 0, 0, 2), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task QueueEnqueueManyAsync_AJobOfAnotherQueueOrOneJobTwice_RefusesAllAndStoresNothing()
    {
        var queue = new Queue(Backend, null, Clock);
        var mine = NewJob();
        var stranger = new Job("work", QueueName + "-other");

        var other = await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueManyAsync([mine, stranger], Ct));
        var twice = await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueManyAsync([mine, NewJob(), mine], Ct));
        var sameKey = await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueManyAsync("work", [null, null], new JobOptions { Key = "one" }, Ct));

        Assert.Contains(QueueName + "-other", other.Message, StringComparison.Ordinal);
        Assert.Contains(mine.Key, twice.Message, StringComparison.Ordinal);
        Assert.Contains("'one'", sameKey.Message, StringComparison.Ordinal);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

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

namespace Errand.Redis.Tests;

/// <content>A job's active mark that reaches Redis after the job's finish, as on a cluster whose slot migrates.</content>
public sealed partial class RedisQueueBackendTests
{
    // On a cluster, a cycle call refused with TRYAGAIN is sent again and may land after a later call that finished the
    // job (CI saw the reshard test's job left 'active' in no list, never swept). Here the late mark is sent by hand.
    [Theory]
    [InlineData(JobStatus.Complete)]
    [InlineData(JobStatus.Failed)]
    public async Task Mark_ArrivingAfterItsJobFinished_LeavesTheFinishedJobAsItIs(JobStatus outcome)
    {
        var backend = (RedisQueueBackend)Backend;
        await Backend.EnqueueAsync(NewJob("late"), Ct);
        var job = await DequeueOneAsync("late");
        await Backend.GetJobAsync("late", Ct);
        var mark = (byte[])(await redis.Db.StringGetAsync(Id("late")))!;
        await Backend.FinishAsync(job, outcome, Ct);
        await using var subscription = await Backend.SubscribeAsync(["late"], Ct);

        backend.AddMarks([(Id("late"), mark)]);
        await backend.SendPending();

        var stored = await Backend.GetJobAsync("late", Ct);
        Assert.Equal(outcome, stored!.Status);
        Assert.Empty(await redis.Db.ListRangeAsync(KeyOf("active")));

        // Messages of one channel arrive in the order they were published: what the mark published comes before this.
        await redis.Db.PublishAsync(StackExchange.Redis.RedisChannel.Literal(Id("late")), "queued");
        var heard = new List<JobStatus>();
        while (heard.LastOrDefault() != JobStatus.Queued)
        {
            heard.Add((await subscription.Changes.ReadAsync(Ct)).Status);
        }

        Assert.Equal([JobStatus.Queued], heard);
    }

    // The rule that guards a late mark must not hold back a timely one: a job taken and not finished is marked.
    [Fact]
    public async Task Mark_OfARunningJob_IsStoredAndPublished()
    {
        await using var subscription = await Backend.SubscribeAsync(["timely"], Ct);
        await Backend.EnqueueAsync(NewJob("timely"), Ct);
        await DequeueOneAsync("timely");

        var stored = await Backend.GetJobAsync("timely", Ct);

        Assert.Equal(JobStatus.Active, stored!.Status);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(10));
        JobStatus heard;
        do
        {
            heard = (await subscription.Changes.ReadAsync(wait.Token)).Status;
        }
        while (heard != JobStatus.Active);
    }
}

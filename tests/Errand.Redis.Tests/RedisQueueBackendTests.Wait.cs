using Errand.Backends;
using Errand.Conformance;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <content>Waits across a lost subscription connection.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task QueueWaitAsync_SubscriptionConnectionKilledWhileJobsFinish_EveryWaitReturns()
    {
        // The fake clock never moves, so the periodic re-read never comes: only the re-read after the reconnect can end
        // a wait whose notification went out while the subscription was gone.
        for (var round = 0; round < 3; round++)
        {
            var mapped = new SignallingBackend(Backend);
            var mapping = new Queue(mapped, null, Clock).MapAsync<int>("work", Enumerable.Range(0, 20).Select(i => (object?)new { n = i }), cancellationToken: Ct);
            await Within(mapped.JobsRead);
            var single = await Backend.EnqueueAsync(NewJob(), Ct);
            var waited = new SignallingBackend(Backend);
            var waiting = new Queue(waited, null, Clock).WaitAsync(single.Job.Key, TimeSpan.FromMinutes(5), Ct);
            await Within(waited.JobsRead);
            var taken = await DequeueNowAsync(50);
            Assert.Equal(21, taken.Count);
            await SettleAsync(single.Job.Key);

            // The subscription is killed and the jobs finished in one MULTI, as another process (Python SAQ) finishes
            // them: every notification is published while no subscription of this backend is there to hear it.
            var transaction = redis.Db.CreateTransaction();
            _ = transaction.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
            foreach (var job in taken)
            {
                job.Status = JobStatus.Complete;
                job.Completed = NowMs;
                job.Result = Json(job.Kwargs?.GetProperty("n").GetRawText() ?? "-1");
                _ = transaction.StringSetAsync(Id(job.Key), JobDocument.Serialize(job), TimeSpan.FromMinutes(10));
                _ = transaction.ListRemoveAsync(KeyOf("active"), Id(job.Key), 1);
                _ = transaction.SortedSetRemoveAsync(KeyOf("incomplete"), Id(job.Key));
                _ = transaction.PublishAsync(RedisChannel.Literal(Id(job.Key)), "complete");
            }

            Assert.True(await transaction.ExecuteAsync());

            Assert.Equal(Enumerable.Range(0, 20), (await Within(mapping)).Select(o => o.Result));
            Assert.Equal(JobStatus.Complete, (await Within(waiting)).Status);
        }
    }
}

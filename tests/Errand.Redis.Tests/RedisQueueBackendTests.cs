using Errand.Backends;
using Errand.Conformance;
using Microsoft.Extensions.Logging.Testing;

namespace Errand.Redis.Tests;

/// <summary>The conformance suite against a real Redis, plus what only Redis has: the exact SAQ keys and values.</summary>
public sealed partial class RedisQueueBackendTests(RedisServerFixture redis) : QueueBackendConformanceTests
{
    private readonly FakeLogCollector _logs = new();

    protected override async Task<IQueueBackend> CreateBackendAsync(string queueName, TimeProvider clock)
    {
        redis.SkipIfMissing();
        return await RedisQueueBackend.ConnectAsync(redis.Url, new RedisBackendOptions { QueueName = queueName }, clock, new CollectingLoggerFactory(_logs), Ct);
    }

    public override async ValueTask DisposeAsync()
    {
        // SAQ's abort marker (saq:abort:KEY) does not name the queue, and the suite reuses keys such as "run" in
        // every test: drop this test's markers so that the next test's job of the same key is not refused for 5 s.
        if (redis.Executable is not null)
        {
            foreach (var id in await redis.ScanAsync($"saq:job:{QueueName}:*"))
            {
                await redis.Db.KeyDeleteAsync($"saq:abort:{RedisJobIds.KeyOf(QueueName, id)}");
            }
        }

        await base.DisposeAsync();
    }

    protected override async Task<bool> DeleteJobDocumentAsync(string key)
    {
        await SettleAsync(key);
        await redis.Db.KeyDeleteAsync(RedisJobIds.For(QueueName, key));
        return true;
    }

    protected override async Task<bool> CorruptJobDocumentAsync(string key)
    {
        await SettleAsync(key);
        await redis.Db.StringSetAsync(RedisJobIds.For(QueueName, key), "{not json");
        return true;
    }

    // The backend stores a dequeued job's active mark with its next round trip, and its reads wait for that: after
    // one, a write behind its back (here, from the test's own connection) cannot be overtaken by the mark.
    private Task<Job?> SettleAsync(string key) => Backend.GetJobAsync(key, Ct);

    private string Id(string key) => RedisJobIds.For(QueueName, key);

    private string KeyOf(string name) => $"saq:{QueueName}:{name}";
}

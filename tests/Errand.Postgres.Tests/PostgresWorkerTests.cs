using Errand.Conformance;

namespace Errand.Postgres.Tests;

/// <summary>The worker suite against a real PostgreSQL.</summary>
public sealed class PostgresWorkerTests(PostgresServerFixture postgres) : WorkerConformanceTests
{
    protected override async Task<Queue> CreateQueueAsync(string queueName)
    {
        postgres.SkipIfMissing();
        var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(queueName), null, null, TestContext.Current.CancellationToken);
        return new Queue(backend);
    }
}

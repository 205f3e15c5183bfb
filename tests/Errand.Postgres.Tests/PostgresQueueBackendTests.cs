using Errand.Backends;
using Errand.Conformance;

namespace Errand.Postgres.Tests;

/// <summary>The conformance suite against a real PostgreSQL, each test on tables of its own.</summary>
public sealed partial class PostgresQueueBackendTests(PostgresServerFixture postgres) : QueueBackendConformanceTests
{
    private PostgresBackendOptions Options => PostgresServerFixture.IsolatedOptions(QueueName);

    private string Jobs => $"\"{Options.JobsTable}\"";

    protected override async Task<IQueueBackend> CreateBackendAsync(string queueName, TimeProvider clock)
    {
        postgres.SkipIfMissing();
        return await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(queueName), clock, null, Ct);
    }

    // On PostgreSQL the document is the job column; a row whose document is gone keeps its columns, with no bytes.
    protected override async Task<bool> DeleteJobDocumentAsync(string key)
    {
        await postgres.SqlAsync($"UPDATE {Jobs} SET job = ''::bytea WHERE key = $1", null, key);
        return true;
    }

    protected override async Task<bool> CorruptJobDocumentAsync(string key)
    {
        await postgres.SqlAsync($"UPDATE {Jobs} SET job = convert_to('{{not json', 'UTF8') WHERE key = $1", null, key);
        return true;
    }

    // Leases are taken on the backend's (fake) clock: advancing it is enough.
    protected override Task LetShortLocksExpireAsync()
    {
        Clock.Advance(ShortLock);
        return Task.CompletedTask;
    }
}

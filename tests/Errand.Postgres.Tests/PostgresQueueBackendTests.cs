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
        // A finished job's document gone is its row gone (expired). A running job's row is its entry in the "active
        // list" as well: the row stays with no document, as a Redis list keeps an id whose document is gone.
        await postgres.SqlAsync($"DELETE FROM {Jobs} WHERE key = $1 AND status IN ('complete', 'failed', 'aborted')", null, key);
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

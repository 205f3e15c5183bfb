using Errand.Redis.Tests;

namespace Errand.Postgres.Tests;

/// <summary>Limits with three real worker processes on one PostgreSQL database.</summary>
public sealed class WorkerProcessLimitsTests(PostgresServerFixture postgres) : WorkerProcessLimitsTestsBase
{
    // A limited take on PostgreSQL is four round trips under the queue's lock, from processes woken at the window's
    // end: at load average 19 on this machine the last start came 5,120 ms after the first, hence more room than on Redis.
    protected override long RateLateByMs => 3500;

    protected override void SkipIfMissing() => postgres.SkipIfMissing();

    protected override Task<string> StoreUrlAsync() => postgres.CreateDatabaseAsync();

    protected override Task<Queue> ConnectAsync(string url, string name, CancellationToken ct) =>
        PostgresQueueFactory.ConnectAsync(url, name, cancellationToken: ct);
}

#:project ../src/Errand.Redis/Errand.Redis.csproj
#:project ../src/Errand.Postgres/Errand.Postgres.csproj
#:property TreatWarningsAsErrors=false
#:property EnableDefaultCompileItems=false

// A manual measurement, not a CI test: pages of failed jobs with 100,000 finished jobs kept in one queue.
// Run: redis-server --port 6390 --save '' & dotnet run bench/PagingAt100k.cs -- redis://127.0.0.1:6390
//  or, on a PostgreSQL database: dotnet run bench/PagingAt100k.cs -- postgresql://user@127.0.0.1:5432/db
using System.Diagnostics;
using Errand;
using Errand.Backends;
using Errand.Postgres;
using Errand.Redis;

var url = args.Length > 0 ? args[0] : "redis://127.0.0.1:6390";
const int Jobs = 100_000;
var name = $"bench{Guid.NewGuid():N}"[..12];
await using var store = await new QueueStoreSchemes([RedisQueueStoreProvider.Instance, PostgresQueueStoreProvider.Instance])
    .ConnectAsync(url, new QueueStoreOptions(), CancellationToken.None);
await using var backend = await store.OpenBackendAsync(name, CancellationToken.None);
var sw = Stopwatch.StartNew();
for (var start = 0; start < Jobs; start += 1000)
{
    var batch = new List<Task>();
    for (var i = start; i < start + 1000; i++)
    {
        batch.Add(backend.EnqueueAsync(new Job("work", name, $"j{i}") { Ttl = 0 }, CancellationToken.None));
    }

    await Task.WhenAll(batch);
    var taken = await backend.DequeueAsync(new DequeueRequest("w", 1000, TimeSpan.Zero), CancellationToken.None);
    await Task.WhenAll(taken.Select((job, k) => backend.FinishAsync(job, k % 2 == 0 ? JobStatus.Complete : JobStatus.Failed, CancellationToken.None)));
}

Console.WriteLine($"filled {Jobs} finished jobs (half failed) in {sw.Elapsed.TotalSeconds:F1} s");

async Task Measure(string label, JobQuery query, int runs)
{
    await backend.ListJobsAsync(query, CancellationToken.None); // warm-up
    var times = new List<double>();
    JobPage? page = null;
    for (var r = 0; r < runs; r++)
    {
        var t = Stopwatch.StartNew();
        page = await backend.ListJobsAsync(query, CancellationToken.None);
        times.Add(t.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    Console.WriteLine($"{label,-48} median {times[times.Count / 2],8:F2} ms  max {times[^1],8:F2} ms  ({page!.Jobs.Count} jobs, total {page.Total})");
}

await Measure("failed, index, first page (offset 0, 50)", new JobQuery(JobStatus.Failed, 0, 50), 50);
await Measure("failed, index, last page (offset 49,950, 50)", new JobQuery(JobStatus.Failed, 49_950, 50), 50);
await Measure("complete, index, middle page (offset 25,000)", new JobQuery(JobStatus.Complete, 25_000, 50), 50);
await Measure("failed, SCAN fallback (ScanUnindexed), first page", new JobQuery(JobStatus.Failed, 0, 50) { ScanUnindexed = true }, 5);

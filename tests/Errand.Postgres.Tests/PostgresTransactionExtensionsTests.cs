using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;

namespace Errand.Postgres.Tests;

/// <summary>Enqueue inside the application's Npgsql transaction, against a real PostgreSQL.</summary>
public sealed class PostgresTransactionExtensionsTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _queueName = $"tx{Guid.NewGuid():N}"[..20];
    private readonly List<(CancellationTokenSource Stop, Task Run)> _workers = [];
    private Queue _queue = null!;
    private NpgsqlDataSource _app = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        postgres.SkipIfMissing();
        var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(_queueName), null, null, Token);
        _queue = new Queue(backend);
        _app = NpgsqlDataSource.Create(PostgresConnectionString.Parse(postgres.Url).ConnectionString);
        await using var create = _app.CreateCommand($"CREATE TABLE \"{_queueName}_authors\" (name TEXT PRIMARY KEY)");
        await create.ExecuteNonQueryAsync(Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (stop, run) in _workers)
        {
            await stop.CancelAsync();
            await run;
            stop.Dispose();
        }

        if (_queue is not null)
        {
            await _queue.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task EnqueueAsync_TransactionCommits_WorkerRunsTheJobOnceWithTheRow()
    {
        var runs = new ConcurrentDictionary<string, int>();
        StartWorker(Counting(runs));
        await using var connection = await _app.OpenConnectionAsync(Token);
        await using (var transaction = await connection.BeginTransactionAsync(Token))
        {
            await InsertAuthorAsync(transaction, "ada");
            var job = await _queue.EnqueueAsync(transaction, "count", new { name = "ada" }, new JobOptions { Key = "ada" }, Token);
            Assert.Equal(JobStatus.Queued, job.Status);
            await transaction.CommitAsync(Token);
        }

        var done = await _queue.WaitAsync("ada", Patience, Token);
        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(1, runs["ada"]);
        Assert.Equal(1, await CountAuthorsAsync());
    }

    [Fact]
    public async Task EnqueueAsync_TransactionRolledBack_NoRowAndNoNotification()
    {
        await using var listener = await ListenAsync();
        await using var subscription = await _queue.Backend.SubscribeAsync(null, Token);
        await using var connection = await _app.OpenConnectionAsync(Token);
        await using (var transaction = await connection.BeginTransactionAsync(Token))
        {
            await InsertAuthorAsync(transaction, "ghost");
            await _queue.EnqueueAsync(transaction, "count", null, new JobOptions { Key = "ghost" }, Token);
            await transaction.RollbackAsync(Token);
        }

        // A notification sent after the rollback: anything the rollback had sent would reach a listener before it.
        await using (var sentinel = _app.CreateCommand($"NOTIFY \"saq:{_queueName}\", 'sentinel'; NOTIFY \"errand:{_queueName}\", 'sentinel'"))
        {
            await sentinel.ExecuteNonQueryAsync(Token);
        }

        Assert.Equal(["sentinel", "sentinel"], await listener.ReadUntilAsync(2));
        Assert.Null(await _queue.GetJobAsync("ghost", Token));
        Assert.Equal(0, await CountAuthorsAsync());

        // The backend's own subscriber: the first change it hears is a later committed job's, not the rolled-back one's.
        await _queue.EnqueueAsync("count", null, new JobOptions { Key = "later" }, Token);
        var change = await subscription.Changes.ReadAsync(Token).AsTask().WaitAsync(Patience, Token);
        Assert.Equal("later", change.Key);
    }

    [Fact]
    public async Task EnqueueAsync_ExceptionBeforeCommit_NoJob()
    {
        await using var connection = await _app.OpenConnectionAsync(Token);
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var transaction = await connection.BeginTransactionAsync(Token);
            await InsertAuthorAsync(transaction, "bob");
            await _queue.EnqueueAsync(transaction, "count", null, new JobOptions { Key = "bob" }, Token);
            throw new InvalidOperationException("the request failed after the enqueue");
        });

        Assert.Null(await _queue.GetJobAsync("bob", Token));
        Assert.Equal(0, (await _queue.CountAsync(Token)).Queued);
    }

    [Fact]
    public async Task EnqueueAsync_ThousandTransactions_EveryJobRunsOnce()
    {
        const int Jobs = 1000;
        var runs = new ConcurrentDictionary<string, int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        StartWorker(new JobFunctions().Add<JsonElement>("count", (_, context) =>
        {
            runs.AddOrUpdate(context.Job.Key, 1, (_, n) => n + 1);
            if (Interlocked.Increment(ref finished) == Jobs)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        }), concurrency: 20);

        await Parallel.ForAsync(0, Jobs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Token }, async (i, ct) =>
        {
            await using var connection = await _app.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await InsertAuthorAsync(transaction, $"a{i}");
            await _queue.EnqueueAsync(transaction, "count", null, new JobOptions { Key = $"k{i}" }, ct);
            await transaction.CommitAsync(ct);
        });

        await all.Task.WaitAsync(TimeSpan.FromMinutes(2), Token);
        Assert.Equal(Jobs, runs.Count);
        Assert.All(runs.Values, n => Assert.Equal(1, n));
        Assert.Equal(Jobs, await CountAuthorsAsync());
    }

    [Fact]
    public async Task EnqueueAsync_IdleWorkerWithLongWait_WakesAtCommit()
    {
        var runs = new ConcurrentDictionary<string, int>();

        // An idle wait of an hour: only a notification can end it within the test's patience.
        StartWorker(Counting(runs), dequeueWait: TimeSpan.FromHours(1));
        await _queue.EnqueueAsync("count", null, new JobOptions { Key = "warm" }, Token);
        await _queue.WaitAsync("warm", Patience, Token);

        await using var connection = await _app.OpenConnectionAsync(Token);
        await using (var transaction = await connection.BeginTransactionAsync(Token))
        {
            await _queue.EnqueueAsync(transaction, "count", null, new JobOptions { Key = "woken" }, Token);
            await transaction.CommitAsync(Token);
        }

        var done = await _queue.WaitAsync("woken", Patience, Token);
        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(1, runs["woken"]);
    }

    [Fact]
    public async Task EnqueueManyAsync_ManyJobsAndARepeatedKey_AllCommitTogetherAndTheRepeatMeetsTheFirst()
    {
        await using var listener = await ListenAsync();
        await using var connection = await _app.OpenConnectionAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);
        var many = await _queue.EnqueueManyAsync(transaction, "count", Enumerable.Range(0, 2500).Select(i => (object?)new { i }), null, Token);
        var first = _queue.CreateJob("count", new { n = 1 }, new JobOptions { Key = "same" });
        var second = _queue.CreateJob("count", new { n = 2 }, new JobOptions { Key = "same" });
        var pair = await _queue.EnqueueManyAsync(transaction, [first, second], Token);

        Assert.Equal(2500, many.Count);
        Assert.Equal(1, pair[1].Kwargs!.Value.GetProperty("n").GetInt32());
        Assert.Equal(0, (await _queue.CountAsync(Token)).Queued);
        await transaction.CommitAsync(Token);

        Assert.Equal(2501, (await _queue.CountAsync(Token)).Queued);

        // saq:enqueue is sent by each statement but delivered once for the transaction.
        await using (var sentinel = _app.CreateCommand($"NOTIFY \"saq:{_queueName}\", 'sentinel'"))
        {
            await sentinel.ExecuteNonQueryAsync(Token);
        }

        var saq = (await listener.ReadUntilAsync(1, channel: $"saq:{_queueName}")).ToList();
        Assert.Equal(["saq:enqueue", "sentinel"], saq);
    }

    [Fact]
    public async Task EnqueueAsync_QueueNotInPostgres_ThrowsSayingSo()
    {
        await using var memory = Queue.InMemory("elsewhere");
        await using var connection = await _app.OpenConnectionAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => memory.EnqueueAsync(transaction, "count", null, null, Token));
        Assert.Contains("not PostgreSQL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueAsync_ConnectionToAnotherDatabase_ThrowsAndWritesNothing()
    {
        var other = await postgres.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(other).ConnectionString);
        await connection.OpenAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _queue.EnqueueAsync(transaction, "count", null, new JobOptions { Key = "lost" }, Token));
        Assert.Contains("another database", error.Message, StringComparison.Ordinal);
        Assert.Null(await _queue.GetJobAsync("lost", Token));
    }

    private static JobFunctions Counting(ConcurrentDictionary<string, int> runs) => new JobFunctions().Add<JsonElement>("count", (_, context) =>
    {
        runs.AddOrUpdate(context.Job.Key, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    });

    private void StartWorker(JobFunctions functions, int concurrency = 4, TimeSpan? dequeueWait = null)
    {
        var worker = new Worker(_queue, functions, new WorkerOptions
        {
            Concurrency = concurrency,
            DequeueWait = dequeueWait ?? TimeSpan.FromMilliseconds(500),
            ShutdownGracePeriod = TimeSpan.FromSeconds(5),
        });
        var stop = new CancellationTokenSource();
        _workers.Add((stop, Task.Run(() => worker.RunAsync(stop.Token))));
    }

    private async Task InsertAuthorAsync(NpgsqlTransaction transaction, string name)
    {
        await using var insert = new NpgsqlCommand($"INSERT INTO \"{_queueName}_authors\" (name) VALUES ($1)", transaction.Connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = name });
        await insert.ExecuteNonQueryAsync(Token);
    }

    private async Task<long> CountAuthorsAsync()
    {
        await using var count = _app.CreateCommand($"SELECT count(*) FROM \"{_queueName}_authors\"");
        return (long)(await count.ExecuteScalarAsync(Token))!;
    }

    private async Task<Listener> ListenAsync()
    {
        var connection = await _app.OpenConnectionAsync(Token);
        var listener = new Listener(connection);
        await using var listen = new NpgsqlCommand($"LISTEN \"saq:{_queueName}\"; LISTEN \"errand:{_queueName}\"", connection);
        await listen.ExecuteNonQueryAsync(Token);
        return listener;
    }

    /// <summary>A connection of the test's own that listens on the queue's channels.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly Channel<(string Channel, string Payload)> _received = Channel.CreateUnbounded<(string, string)>();

        public Listener(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, e) => _received.Writer.TryWrite((e.Channel, e.Payload));
        }

        /// <summary>Returns every payload received (of one channel, or of all) until <paramref name="sentinels"/> sentinels have come.</summary>
        public async Task<List<string>> ReadUntilAsync(int sentinels, string? channel = null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
            timeout.CancelAfter(Patience);
            var payloads = new List<string>();
            var seen = 0;
            while (seen < sentinels)
            {
                (string Channel, string Payload) notification;
                while (!_received.Reader.TryRead(out notification))
                {
                    await _connection.WaitAsync(timeout.Token);
                }

                if (channel is null || notification.Channel == channel)
                {
                    payloads.Add(notification.Payload);
                    seen += notification.Payload == "sentinel" ? 1 : 0;
                }
            }

            return payloads;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}

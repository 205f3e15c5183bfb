using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>The assembly's real Redis and PostgreSQL servers, for tests that run the same body on either engine.</summary>
public sealed class TestServers(RedisServerFixture redis, PostgresServerFixture postgres)
{
    public RedisServerFixture Redis { get; } = redis;

    public PostgresServerFixture Postgres { get; } = postgres;

    /// <summary>Returns a queue of its own: on Redis a new name (in <paramref name="redisDatabase"/>), on PostgreSQL a new database.</summary>
    public async Task<TestQueue> QueueAsync(Engine engine, string? name = null, int redisDatabase = 0) => engine switch
    {
        Engine.Redis => await TestQueue.CreateAsync(Redis, redisDatabase, name),
        _ => await TestQueue.OpenAsync(Engine.Postgres, await EmptyStoreAsync(engine), name),
    };

    /// <summary>Returns the URL of a store no queue was ever opened in: a Redis database number, or a new PostgreSQL database (no SAQ tables).</summary>
    public async Task<string> EmptyStoreAsync(Engine engine, int redisDatabase = 1)
    {
        if (engine == Engine.Redis)
        {
            Redis.SkipIfMissing();
            return $"{Redis.Url}/{redisDatabase}";
        }

        Postgres.SkipIfMissing();
        return await Postgres.CreateDatabaseAsync();
    }

    /// <summary>Returns how the <c>errand</c> command names the server of <paramref name="url"/>: without user or password.</summary>
    public static string Shown(string url) => url.Replace("errand@", string.Empty, StringComparison.Ordinal);
}

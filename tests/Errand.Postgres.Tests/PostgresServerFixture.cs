using Errand.Postgres.Tests;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServerFixture))]

namespace Errand.Postgres.Tests;

/// <summary>One PostgreSQL server for the whole test assembly; each test uses tables (or a database) of its own.</summary>
/// <remarks>Without PostgreSQL the tests skip with a reason, unless <c>ERRAND_REQUIRE_SERVERS=1</c>, which makes them fail.</remarks>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    /// <summary>Gets the folder of the PostgreSQL binaries, or <see langword="null"/> when they are missing.</summary>
    public string? Binaries { get; } = PostgresServer.FindBinaries();

    /// <summary>Gets the running server.</summary>
    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL server is not running.");

    /// <summary>Gets the URL of the server's <c>postgres</c> database.</summary>
    public string Url => Server.Url();

    public static bool ServersRequired => Environment.GetEnvironmentVariable("ERRAND_REQUIRE_SERVERS") == "1";

    public async ValueTask InitializeAsync()
    {
        if (Binaries is null)
        {
            if (ServersRequired)
            {
                throw new InvalidOperationException("PostgreSQL (initdb, pg_ctl) is not installed, and ERRAND_REQUIRE_SERVERS=1 requires it.");
            }

            return;
        }

        _server = await PostgresServer.StartAsync(Binaries);
    }

    /// <summary>Skips the calling test with a reason when PostgreSQL is missing (and not required).</summary>
    public void SkipIfMissing() =>
        Assert.SkipWhen(Binaries is null, "PostgreSQL is not installed (set ERRAND_REQUIRE_SERVERS=1 to fail instead)");

    /// <summary>Returns options whose tables are this test's own, so that keys never meet another test's.</summary>
    public static PostgresBackendOptions IsolatedOptions(string queueName) => new()
    {
        QueueName = queueName,
        JobsTable = $"{queueName}_jobs",
        StatsTable = $"{queueName}_stats",
        VersionsTable = $"{queueName}_versions",
        ErrandTablePrefix = $"{queueName}_",
        LockKeyspace = StringComparer.Ordinal.GetHashCode(queueName),
    };

    /// <summary>Creates an empty database and returns its URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"db{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(Url).ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return Server.Url(name);
    }

    /// <summary>Runs SQL on the database of <paramref name="url"/> (the server's own <c>postgres</c> one by default) behind the backend's back.</summary>
    public async Task<List<object?[]>> SqlAsync(string sql, string? url = null, params object?[] values)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(url ?? Url).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

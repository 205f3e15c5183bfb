using System.Net;
using System.Net.Sockets;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>Wrong URLs, unreachable servers and bad command lines: a message on stderr and an exit code of their own.</summary>
public sealed class ConnectionErrorTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    [Theory]
    [InlineData("http://127.0.0.1:6379", "the URL has the scheme 'http'")]
    [InlineData("redis://user:secret@:6379", "the Redis URL is not valid")]
    [InlineData("redis://127.0.0.1:6379/zero", "the database in a Redis URL must be a number")]
    public async Task AnyCommand_WrongUrl_ExitsThreeWithoutRepeatingThePassword(string url, string message)
    {
        var result = await ErrandCli.RunAsync("info", url);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains(message, result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_NothingListening_ExitsFourWithoutThePassword()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await ErrandCli.RunAsync("jobs", $"redis://:secret@127.0.0.1:{port}", "--queue", "q", "--timeout", "2");

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.StartsWith($"error: cannot reach Redis at redis://127.0.0.1:{port}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_WrongPassword_ExitsFourWithoutRepeatingIt()
    {
        redis.SkipIfMissing();
        await using var server = await RedisServer.StartAsync(redis.Executable!, cancellationToken: TestContext.Current.CancellationToken);
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true"))
        {
            await admin.GetServer(server.Endpoint).ConfigSetAsync("requirepass", "right-password");
        }

        var wrong = await ErrandCli.RunAsync("info", $"redis://:wrong-password@127.0.0.1:{server.Port}");
        var right = await ErrandCli.RunAsync("info", $"redis://:right-password@127.0.0.1:{server.Port}");

        Assert.True(wrong.ExitCode == 4, wrong.ToString());
        Assert.Contains("cannot reach Redis", wrong.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("password", wrong.Stderr, StringComparison.Ordinal);
        Assert.True(right.ExitCode == 0, right.ToString());
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("postgres")]
    public async Task AnyCommand_NothingListeningOnPostgres_ExitsFourWithoutThePassword(string scheme)
    {
        var port = PostgresServer.FreePort();

        var result = await ErrandCli.RunAsync("jobs", $"{scheme}://errand:secret@127.0.0.1:{port}/db", "--queue", "q", "--timeout", "2");

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.StartsWith($"error: cannot reach PostgreSQL at postgresql://127.0.0.1:{port}/db", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_PostgresDatabaseMissing_ExitsFourSayingSo()
    {
        postgres.SkipIfMissing();
        var port = postgres.Server.Port;

        var result = await ErrandCli.RunAsync("info", $"postgresql://errand@127.0.0.1:{port}/nosuchdb");

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.StartsWith($"error: cannot reach PostgreSQL at postgresql://127.0.0.1:{port}/nosuchdb", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("the database does not exist", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_WrongPasswordOnPostgres_ExitsFourWithoutRepeatingIt()
    {
        postgres.SkipIfMissing();
        var database = new Uri(await postgres.CreateDatabaseAsync()).AbsolutePath.Trim('/');

        // A role of this test's own that must give its password (scram-sha-256); every other role keeps the server's trust.
        var role = $"pw{Guid.NewGuid():N}"[..12];
        await postgres.SqlAsync($"CREATE ROLE {role} LOGIN PASSWORD 'right-password'");
        await postgres.SqlAsync($"GRANT ALL ON DATABASE \"{database}\" TO {role}");
        var hba = Path.Combine(postgres.Server.Directory, "data", "pg_hba.conf");
        var rules = await File.ReadAllTextAsync(hba, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(hba, $"host all {role} 127.0.0.1/32 scram-sha-256\n{rules}", TestContext.Current.CancellationToken);
        await postgres.SqlAsync("SELECT pg_reload_conf()");
        var port = postgres.Server.Port;

        var wrong = await ErrandCli.RunAsync("info", $"postgresql://{role}:wrong-password@127.0.0.1:{port}/{database}");
        var right = await ErrandCli.RunAsync("info", $"postgresql://{role}:right-password@127.0.0.1:{port}/{database}");

        Assert.True(wrong.ExitCode == 4, wrong.ToString());
        Assert.StartsWith($"error: cannot reach PostgreSQL at postgresql://127.0.0.1:{port}/{database}", wrong.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("password", wrong.Stderr, StringComparison.Ordinal);
        Assert.True(right.ExitCode == 0, right.ToString());
        Assert.Equal($"no queues at postgresql://127.0.0.1:{port}/{database}", right.Stdout.Trim());
    }

    [Theory]
    [InlineData("jobs", "redis://127.0.0.1:6379")]
    [InlineData("frobnicate")]
    [InlineData("jobs", "redis://127.0.0.1:6379", "--queue", "q", "--status", "lost")]
    [InlineData("retry", "redis://127.0.0.1:6379", "--queue", "q")]
    [InlineData("enqueue", "redis://127.0.0.1:6379", "--queue", "q", "f", "--at", "2030-01-01", "--in", "5m")]
    public async Task AnyCommand_BadCommandLine_ExitsTwoWithUsageHint(params string[] args)
    {
        var result = await ErrandCli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("errand --help", result.Stderr, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Sockets;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>Wrong URLs, unreachable servers and bad command lines: a message on stderr and an exit code of their own.</summary>
public sealed class ConnectionErrorTests(RedisServerFixture redis)
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

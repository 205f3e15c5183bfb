using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>The Redis URL from the environment variable ERRAND_URL, so that a password stays out of <c>ps</c> and the shell's history.</summary>
public sealed class ErrandUrlTests(RedisServerFixture redis)
{
    private const string Password = "pw-8f3c1d";

    [Fact]
    public async Task AnyCommand_UrlWithPasswordOnlyInErrandUrl_UsesItAndNeverPrintsThePassword()
    {
        redis.SkipIfMissing();
        await using var server = await StartWithPasswordAsync();
        var url = $"redis://:{Password}@127.0.0.1:{server.Port}";
        await using (var queue = await Redis.RedisQueueFactory.ConnectAsync(url, "mail", cancellationToken: TestContext.Current.CancellationToken))
        {
            await queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Key = "k1" }, TestContext.Current.CancellationToken);
        }

        var environment = new Dictionary<string, string> { ["ERRAND_URL"] = url };
        var info = await ErrandCli.RunWithEnvironmentAsync(environment, "info");
        var job = await ErrandCli.RunWithEnvironmentAsync(environment, "job", "--queue", "mail", "k1");
        var jobFirst = await ErrandCli.RunWithEnvironmentAsync(environment, "--timeout", "3", "job", "k1", "--queue", "mail");
        var enqueue = await ErrandCli.RunWithEnvironmentAsync(environment, "enqueue", "--queue", "mail", "add", """{"a": 2, "b": 3}""");

        foreach (var result in new[] { info, job, jobFirst, enqueue })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.DoesNotContain(Password, result.Stdout + result.Stderr, StringComparison.Ordinal);
        }

        Assert.Contains("mail", info.Stdout, StringComparison.Ordinal);
        Assert.Contains($"redis://127.0.0.1:{server.Port}", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("k1", job.Stdout, StringComparison.Ordinal);
        Assert.Contains("k1", jobFirst.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_UrlArgumentAndErrandUrl_TheArgumentWins()
    {
        redis.SkipIfMissing();
        await using var server = await StartWithPasswordAsync();
        var environment = new Dictionary<string, string> { ["ERRAND_URL"] = $"redis://:{Password}@127.0.0.1:{RedisServer.FreePort()}" };

        var result = await ErrandCli.RunWithEnvironmentAsync(environment, "info", $"redis://:{Password}@127.0.0.1:{server.Port}", "--timeout", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task AnyCommand_NeitherArgumentNorErrandUrl_ExitsTwoNamingTheVariable()
    {
        var result = await ErrandCli.RunWithEnvironmentAsync(new Dictionary<string, string> { ["ERRAND_URL"] = string.Empty }, "jobs", "--queue", "q");
        var help = await ErrandCli.RunAsync("jobs", "--help");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("ERRAND_URL", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ERRAND_URL", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_UnreachableUrlInErrandUrl_ExitsFourWithoutThePassword()
    {
        var port = RedisServer.FreePort();
        var result = await ErrandCli.RunWithEnvironmentAsync(new Dictionary<string, string> { ["ERRAND_URL"] = $"redis://user:{Password}@127.0.0.1:{port}" }, "jobs", "--queue", "q", "--timeout", "2");

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains($"redis://127.0.0.1:{port}", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    private async Task<RedisServer> StartWithPasswordAsync()
    {
        var server = await RedisServer.StartAsync(redis.Executable!, cancellationToken: TestContext.Current.CancellationToken);
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true");
        await admin.GetServer(server.Endpoint).ConfigSetAsync("requirepass", Password);
        return server;
    }
}

using StackExchange.Redis;

namespace Errand.Redis.Tests;

public sealed class RedisConnectionStringTests
{
    [Fact]
    public void Parse_UrlWithUserPasswordPortAndDatabase_ReadsEachPart()
    {
        var options = RedisConnectionString.Parse("redis://app:p%40ss@cache.local:6380/3");

        Assert.Equal("app", options.User);
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.False(options.Ssl);
        Assert.Equal("redis://cache.local:6380/3", RedisConnectionString.Describe(options));
    }

    [Fact]
    public void Parse_RedissUrlWithPasswordOnly_UsesTlsAndTheDefaultPort()
    {
        var options = RedisConnectionString.Parse("rediss://:secret@cache.local");

        Assert.True(options.Ssl);
        Assert.Null(options.User);
        Assert.Equal("secret", options.Password);
        Assert.Equal("rediss://cache.local:6379", RedisConnectionString.Describe(options));
    }

    [Fact]
    public void Parse_UrlWithSeveralNodes_ReadsEveryNodeAndTheCredentials()
    {
        var options = RedisConnectionString.Parse("redis://app:p%40ss@node-a:7000,node-b,[::1]:7002?wait_replicas=1");

        Assert.Equal("app", options.User);
        Assert.Equal("p@ss", options.Password);
        Assert.Null(options.DefaultDatabase);
        Assert.Equal("redis://node-a:7000,node-b:6379,[::1]:7002", RedisConnectionString.Describe(options));
    }

    [Theory]
    [InlineData("redis://:topsecret@node-a:7000,node-b:x")]
    [InlineData("redis://:topsecret@node-a:7000,node-b:7001/0/1")]
    [InlineData("redis://:topsecret@node-a:7000,node-b:7001/x")]
    public void Parse_SeveralNodesWithABadPart_ThrowsWithoutEchoingThePassword(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse(url));

        Assert.DoesNotContain("topsecret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SentinelUrlWithSeveralSentinelsServiceAndDatabase_ReadsEachPart()
    {
        var options = RedisConnectionString.Parse("redis+sentinel://:p%40ss@s1.local:26380,s2.local,[::1]:26381/orders/2");

        Assert.Equal("orders", options.ServiceName);
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.False(options.Ssl);
        Assert.Equal("redis+sentinel://s1.local:26380,s2.local:26379,[::1]:26381/orders/2", RedisConnectionString.Describe(options));
    }

    [Theory]
    [InlineData("redis+sentinel://u:topsecret@s1:26379")]
    [InlineData("redis+sentinel://u:topsecret@s1:26379/svc/0/extra")]
    [InlineData("redis+sentinel://u:topsecret@s1:x/svc")]
    [InlineData("redis+sentinel://u:topsecret@s1/svc/db")]
    public void Parse_SentinelUrlWithoutServiceOrWithABadPart_ThrowsWithoutEchoingThePassword(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse(url));

        Assert.DoesNotContain("topsecret", error.Message, StringComparison.Ordinal);
        Assert.Contains("redis+sentinel://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StackExchangeConfigurationString_IsPassedThrough()
    {
        var options = RedisConnectionString.Parse("localhost:7000,password=secret,defaultDatabase=2");

        Assert.Equal("secret", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.DoesNotContain("secret", RedisConnectionString.Describe(options), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadDatabase_ThrowsWithoutEchoingThePassword()
    {
        var error = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse("redis://u:topsecret@host:1/x"));

        Assert.DoesNotContain("topsecret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerIdOf_StatsMember_IsTheRestAfterTheWorkerInfoPrefix()
    {
        var keys = new RedisKeys("q");
        Assert.Equal("w1", keys.WorkerIdOf("saq:q:worker_info:w1"));
        Assert.Equal("host:1", keys.WorkerIdOf("saq:q:worker_info:host:1"));
        Assert.Equal("uuid", keys.WorkerIdOf("saq:q:stats:uuid"));
        _ = ConfigurationOptions.Parse("localhost");
    }
}

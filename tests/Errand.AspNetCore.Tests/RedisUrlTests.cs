namespace Errand.AspNetCore.Tests;

public sealed class RedisUrlTests
{
    [Fact]
    public void Parse_FullUrl_ReadsEndpointCredentialsDatabaseAndTls()
    {
        var configuration = RedisUrl.Parse("rediss://app:p%40ss@cache.example:6380/3");

        Assert.Equal("cache.example:6380", StackExchange.Redis.EndPointCollection.ToString(Assert.Single(configuration.EndPoints)));
        Assert.Equal(("app", "p@ss", 3, true), (configuration.User, configuration.Password, configuration.DefaultDatabase, configuration.Ssl));
        Assert.False(configuration.AbortOnConnectFail);
        Assert.Equal("rediss://cache.example:6380/3", RedisUrl.Describe(configuration));
    }

    [Fact]
    public void Parse_HostOnly_UsesDefaultPortAndNoPassword()
    {
        var configuration = RedisUrl.Parse("redis://localhost");

        Assert.Equal("localhost:6379", StackExchange.Redis.EndPointCollection.ToString(Assert.Single(configuration.EndPoints)));
        Assert.Null(configuration.Password);
        Assert.False(configuration.Ssl);
    }

    [Theory]
    [InlineData("http://localhost")]
    [InlineData("redis://localhost/notanumber")]
    public void Parse_NotARedisUrl_Throws(string url) => Assert.Throws<ArgumentException>(() => RedisUrl.Parse(url));
}

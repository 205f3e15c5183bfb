using System.Globalization;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <summary>
/// A primary, its replica and three Sentinels watching them (quorum 2), real processes on loopback ports, for the
/// tests of one class. The primary is declared down 1 s after it stops answering.
/// </summary>
public sealed class RedisSentinelFixture : IAsyncLifetime
{
    public const string Service = "errand";

    private readonly List<RedisServer> _sentinels = [];

    public string? Executable { get; } = RedisServer.FindExecutable();

    /// <summary>Gets the data servers: the first primary and its replica (the roles swap at a failover).</summary>
    public List<RedisServer> Servers { get; } = [];

    /// <summary>Gets the <c>redis+sentinel://</c> URL of the service.</summary>
    public string Url => $"redis+sentinel://{string.Join(",", _sentinels.Select(s => s.Endpoint))}/{Service}";

    public async ValueTask InitializeAsync()
    {
        if (Executable is null)
        {
            if (RedisServerFixture.ServersRequired)
            {
                throw new InvalidOperationException("redis-server is not installed, and ERRAND_REQUIRE_SERVERS=1 requires it.");
            }

            return;
        }

        var primary = await RedisServer.StartAsync(Executable);
        Servers.Add(primary);
        Servers.Add(await RedisServer.StartAsync(Executable, ["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)]));
        var config = $"""
            sentinel monitor {Service} 127.0.0.1 {primary.Port} 2
            sentinel down-after-milliseconds {Service} 1000
            sentinel failover-timeout {Service} 5000
            sentinel parallel-syncs {Service} 1

            """;
        for (var i = 0; i < 3; i++)
        {
            _sentinels.Add(await RedisServer.StartSentinelAsync(Executable, config));
        }

        // Ready when every Sentinel knows the replica and the two other Sentinels (they find each other through the primary).
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (!await AllSentinelsReadyAsync())
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new InvalidOperationException("The Sentinels did not find the replica and each other within 30 s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }
    }

    /// <summary>Returns the port of the primary the Sentinels name now.</summary>
    public async Task<int> PrimaryPortAsync()
    {
        await using var sentinel = await SentinelConnectionAsync();
        var endpoint = await sentinel.GetServer(_sentinels[0].Endpoint).SentinelGetMasterAddressByNameAsync(Service);
        return ((System.Net.IPEndPoint)endpoint!).Port;
    }

    /// <summary>Returns the data server that is the primary now.</summary>
    public async Task<RedisServer> PrimaryAsync()
    {
        var port = await PrimaryPortAsync();
        return Servers.Single(s => s.Port == port);
    }

    /// <summary>Skips the calling test with a reason when redis-server is missing (and not required).</summary>
    public void SkipIfMissing() =>
        Assert.SkipWhen(Executable is null, "redis-server is not installed (set ERRAND_REQUIRE_SERVERS=1 to fail instead)");

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _sentinels.Concat(Servers))
        {
            await server.DisposeAsync();
        }
    }

    private async Task<ConnectionMultiplexer> SentinelConnectionAsync()
    {
        var options = new ConfigurationOptions { CommandMap = CommandMap.Sentinel, AbortOnConnectFail = false };
        foreach (var sentinel in _sentinels)
        {
            options.EndPoints.Add(sentinel.Endpoint);
        }

        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private async Task<bool> AllSentinelsReadyAsync()
    {
        await using var connection = await SentinelConnectionAsync();
        foreach (var sentinel in _sentinels)
        {
            var server = connection.GetServer(sentinel.Endpoint);
            if (!server.IsConnected
                || (await server.SentinelReplicasAsync(Service)).Length != 1
                || (await server.SentinelSentinelsAsync(Service)).Length != _sentinels.Count - 1)
            {
                return false;
            }
        }

        return true;
    }
}

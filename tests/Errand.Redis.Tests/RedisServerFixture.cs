using Errand.Redis.Tests;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(RedisServerFixture))]

namespace Errand.Redis.Tests;

/// <summary>One <c>redis-server</c> for the whole test assembly; each test uses a queue name of its own.</summary>
/// <remarks>Without redis-server the tests skip with a reason, unless <c>ERRAND_REQUIRE_SERVERS=1</c>, which makes them fail.</remarks>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    /// <summary>Gets the path of redis-server, or <see langword="null"/> when it is missing.</summary>
    public string? Executable { get; } = RedisServer.FindExecutable();

    /// <summary>Gets the running server.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("The Redis server is not running.");

    /// <summary>Gets a plain connection for tests to look at (and tamper with) the keys behind the backend's back.</summary>
    public IDatabase Db => (_connection ?? throw new InvalidOperationException("The Redis server is not running.")).GetDatabase();

    /// <summary>Gets the <c>redis://</c> URL of the server.</summary>
    public string Url => Server.Url;

    public static bool ServersRequired => Environment.GetEnvironmentVariable("ERRAND_REQUIRE_SERVERS") == "1";

    public async ValueTask InitializeAsync()
    {
        if (Executable is null)
        {
            if (ServersRequired)
            {
                throw new InvalidOperationException("redis-server is not installed, and ERRAND_REQUIRE_SERVERS=1 requires it.");
            }

            return;
        }

        _server = await RedisServer.StartAsync(Executable);
        _connection = await ConnectionMultiplexer.ConnectAsync($"{_server.Endpoint},allowAdmin=true");
    }

    /// <summary>Returns the keys that match <paramref name="pattern"/>.</summary>
    public async Task<List<string>> ScanAsync(string pattern)
    {
        var keys = new List<string>();
        await foreach (var key in _connection!.GetServer(Server.Endpoint).KeysAsync(pattern: pattern))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    /// <summary>Skips the calling test with a reason when redis-server is missing (and not required).</summary>
    public void SkipIfMissing() =>
        Assert.SkipWhen(Executable is null, "redis-server is not installed (set ERRAND_REQUIRE_SERVERS=1 to fail instead)");

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

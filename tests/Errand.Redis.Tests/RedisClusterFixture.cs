using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <summary>
/// A Redis Cluster of three masters with a replica each: six real <c>redis-server</c> processes on loopback ports, joined
/// by <c>redis-cli --cluster create</c>. A master is declared failed <see cref="NodeTimeoutMilliseconds"/> after it
/// stops answering, and its replica takes over: 15 s here, so that a node slowed by a loaded machine is not voted down
/// (CI saw CLUSTERDOWN with 1.5 s); <see cref="RedisFailoverClusterFixture"/> kills masters and waits 1.5 s.
/// </summary>
/// <remarks>Without redis-server or redis-cli the tests skip with a reason, unless <c>ERRAND_REQUIRE_SERVERS=1</c>, which makes them fail.</remarks>
public class RedisClusterFixture : IAsyncLifetime
{
    private const int Nodes = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private ConnectionMultiplexer? _connection;

    public RedisClusterFixture()
    {
        Executable = RedisServer.FindExecutable();
        Cli = Executable is null ? null : Path.Combine(Path.GetDirectoryName(Executable)!, "redis-cli");
        if (Cli is not null && !File.Exists(Cli))
        {
            Cli = null;
        }
    }

    /// <summary>Gets how long a node may not answer before the others declare it failed.</summary>
    protected virtual int NodeTimeoutMilliseconds => 15_000;

    /// <summary>Gets the path of redis-server, or <see langword="null"/> when it is missing.</summary>
    public string? Executable { get; }

    /// <summary>Gets the path of redis-cli, or <see langword="null"/> when it is missing.</summary>
    public string? Cli { get; }

    /// <summary>Gets the six nodes, in the order they were started (masters first, as the cluster was created).</summary>
    public List<RedisServer> Servers { get; } = [];

    /// <summary>Gets the URL of one node: StackExchange.Redis finds the rest of the cluster from it.</summary>
    public string Url => Servers[0].Url;

    /// <summary>Gets a connection to the cluster, for tests to look at keys behind the backend's back.</summary>
    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The cluster is not running.");

    public IDatabase Db => Connection.GetDatabase();

    public async ValueTask InitializeAsync()
    {
        if (Executable is null || Cli is null)
        {
            if (RedisServerFixture.ServersRequired)
            {
                throw new InvalidOperationException("redis-server and redis-cli are not installed, and ERRAND_REQUIRE_SERVERS=1 requires them.");
            }

            return;
        }

        var starting = Enumerable.Range(0, Nodes).Select(_ => RedisServer.StartAsync(
            Executable,
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-port", RedisServer.AnotherFreePort,
                "--cluster-node-timeout", NodeTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture),
                "--appendonly", "no",
            ])).ToArray();
        try
        {
            Servers.AddRange(await Task.WhenAll(starting));
        }
        catch
        {
            // The nodes that did start are stopped, not left running after the test run.
            foreach (var node in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await node.Result.DisposeAsync();
            }

            throw;
        }

        await RunCliAsync(["--cluster", "create", .. Servers.Select(s => s.Endpoint), "--cluster-replicas", "1", "--cluster-yes"]);
        await WaitUntilHealthyAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync($"{Servers[0].Endpoint},allowAdmin=true");
    }

    /// <summary>Skips the calling test with a reason when redis-server or redis-cli is missing (and not required).</summary>
    public void SkipIfMissing() =>
        Assert.SkipWhen(Executable is null || Cli is null, "redis-server or redis-cli is not installed (set ERRAND_REQUIRE_SERVERS=1 to fail instead)");

    /// <summary>Returns the node that is the master of <paramref name="key"/>'s slot now, as the cluster says.</summary>
    public async Task<RedisServer> MasterOfAsync(RedisKey key)
    {
        var slot = Connection.HashSlot(key);
        var owner = await SlotOwnerAsync(slot);
        foreach (var server in Servers.Where(s => s.IsRunning))
        {
            if (await InfoAsync(server, "CLUSTER", "MYID") == owner)
            {
                return server;
            }
        }

        throw new InvalidOperationException($"No running node is the master of slot {slot}.");
    }

    /// <summary>Returns the node id of the master that owns <paramref name="slot"/>, from a running node's CLUSTER SHARDS view.</summary>
    public async Task<string> SlotOwnerAsync(int slot)
    {
        var nodes = await InfoAsync(Servers.First(s => s.IsRunning), "CLUSTER", "NODES") ?? string.Empty;
        foreach (var line in nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (!fields[2].Contains("master", StringComparison.Ordinal) || fields[2].Contains("fail", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var range in fields.Skip(8))
            {
                var bounds = range.Split('-');
                if (bounds[0].StartsWith('['))
                {
                    continue;
                }

                var first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
                var last = bounds.Length > 1 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : first;
                if (slot >= first && slot <= last)
                {
                    return fields[0];
                }
            }
        }

        throw new InvalidOperationException($"No master owns slot {slot}.");
    }

    /// <summary>Returns the node id of <paramref name="server"/>.</summary>
    public async Task<string> NodeIdAsync(RedisServer server) =>
        await InfoAsync(server, "CLUSTER", "MYID") ?? throw new InvalidOperationException($"Node {server.Endpoint} has no id.");

    /// <summary>Runs <c>redis-cli</c> with <paramref name="arguments"/> and returns its output; fails when it fails.</summary>
    public async Task<string> RunCliAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(Cli!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var text = await output + await error;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{text}");
        }

        return text;
    }

    /// <summary>Waits until every running node says <c>cluster_state:ok</c>, knows every node, and every replica is linked to its master.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while (!await HealthyAsync())
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new InvalidOperationException($"The cluster was not healthy within {Patience.TotalSeconds} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), TimeProvider.System);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private async Task<bool> HealthyAsync()
    {
        foreach (var server in Servers.Where(s => s.IsRunning))
        {
            var cluster = await InfoAsync(server, "CLUSTER", "INFO") ?? string.Empty;
            if (!cluster.Contains("cluster_state:ok", StringComparison.Ordinal)
                || !cluster.Contains($"cluster_known_nodes:{Nodes}", StringComparison.Ordinal))
            {
                return false;
            }

            var replication = await InfoAsync(server, "INFO", "replication") ?? string.Empty;
            if (replication.Contains("role:slave", StringComparison.Ordinal) && !replication.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    // One command on one node, through redis-cli (no cluster redirection): the fixture's view of the cluster is the nodes'.
    private async Task<string?> InfoAsync(RedisServer server, params string[] command)
    {
        try
        {
            var text = await RunCliAsync(["-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), .. command]);
            return text.Trim();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>A cluster of its own for the tests that kill a master: a master silent for 1.5 s is declared failed.</summary>
public sealed class RedisFailoverClusterFixture : RedisClusterFixture
{
    protected override int NodeTimeoutMilliseconds => 1_500;
}

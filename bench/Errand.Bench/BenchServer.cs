using System.Net;
using System.Net.Sockets;

namespace Errand.Bench;

/// <summary>The storage engine the harness starts for a run (Redis or PostgreSQL): where drivers connect, how a step starts empty, its CPU.</summary>
internal abstract class BenchServer : IAsyncDisposable
{
    /// <summary>Gets the engine's name in the table: <c>Redis</c>, <c>PostgreSQL</c>.</summary>
    public abstract string Display { get; }

    /// <summary>Gets the URL a driver opens: <c>redis://127.0.0.1:PORT</c>, <c>postgresql://errand@127.0.0.1:PORT/bench</c>.</summary>
    public abstract string Url { get; }

    /// <summary>Gets <c>127.0.0.1:PORT</c>.</summary>
    public abstract string Endpoint { get; }

    /// <summary>Gets the line of the report that says which server ran and how.</summary>
    public abstract string Description { get; }

    /// <summary>Gets what the floor of workload C measures on this engine, for the report.</summary>
    public abstract string FloorDescription { get; }

    /// <summary>
    /// Gets whether the server's CPU for a step is read at the driver's <c>go</c> and at its result; otherwise it is
    /// read before the driver process starts and after it ends (Redis, as the Redis run always has: connecting costs
    /// Redis next to nothing, while a PostgreSQL connection forks a backend and each system creates its tables).
    /// </summary>
    public abstract bool CpuFromGoToResult { get; }

    /// <summary>Empties the server before a workload step, as each step starts from nothing.</summary>
    public abstract Task ResetAsync();

    /// <summary>Returns the seconds of CPU (user + system) the server has used so far.</summary>
    public abstract Task<double> CpuSecondsAsync();

    public abstract ValueTask DisposeAsync();

    protected static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

using System.Net;
using Errand.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>Serves Errand's dashboard on a Kestrel listener of its own: for <c>--web</c> and <c>errand dashboard</c>.</summary>
/// <remarks>
/// Bound to loopback unless told otherwise. On loopback, with no access rule chosen, the dashboard is open to the
/// local user (<see cref="ErrandDashboardOptions.AllowAnonymous"/>) and answers only to loopback host names (see
/// <see cref="ErrandDashboardOptions.AllowedHosts"/>); on any other address an access rule (basic
/// credentials) is required, and starting without one throws.
/// </remarks>
public sealed class ErrandDashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ErrandDashboardServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Gets the dashboard's address, with the port actually bound.</summary>
    public Uri Url { get; }

    /// <summary>Starts serving the dashboard of <see cref="ErrandDashboardOptions.Queues"/> on <paramref name="address"/>:<paramref name="port"/>.</summary>
    /// <param name="options">The dashboard options; their queues are required.</param>
    /// <param name="address">Where to listen, such as <see cref="IPAddress.Loopback"/>.</param>
    /// <param name="port">The port, or 0 for a free one.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    /// <exception cref="ArgumentException">The address is not loopback and no access rule was chosen, or there is no queue.</exception>
    public static async Task<ErrandDashboardServer> StartAsync(ErrandDashboardOptions options, IPAddress address, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        if (options.Queues.Count == 0 && options.QueueResolver is null)
        {
            throw new ArgumentException("The dashboard needs at least one queue.", nameof(options));
        }

        if (options.AuthorizationPolicy is null && options.BasicAuthUserName is null && !options.AllowAnonymous)
        {
            options.AllowAnonymous = IPAddress.IsLoopback(address)
                ? true
                : throw new ArgumentException(
                    $"A dashboard on {address}, reachable from other machines, needs basic credentials (Errand:Dashboard:BasicAuthUserName and BasicAuthPassword), or AllowAnonymous set on purpose.",
                    nameof(options));
        }

        // An empty configuration: the program's own appsettings (Kestrel endpoints, URLs) must not move this listener.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(address, port));
        var app = builder.Build();
        app.MapErrandDashboard("/", options);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? $"http://{address}:{port}";
        return new ErrandDashboardServer(app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>Stops serving and releases the listener.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

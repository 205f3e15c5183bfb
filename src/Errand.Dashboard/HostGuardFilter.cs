using System.Net;
using Errand.Dashboard.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Dashboard;

/// <summary>Refuses requests whose <c>Host</c> the dashboard does not answer to (DNS rebinding).</summary>
/// <remarks>
/// A web page on <c>rebind.example</c> whose name the attacker re-resolves to 127.0.0.1 is same-origin with itself and
/// reaches a loopback dashboard with <c>Host: rebind.example</c>: an anonymous dashboard reached on a loopback address
/// answers only to loopback names. <see cref="ErrandDashboardOptions.AllowedHosts"/>, when set, is the list instead,
/// for every dashboard.
/// </remarks>
internal sealed class HostGuardFilter(ErrandDashboardOptions options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (IsAllowed(http))
        {
            return await next(context).ConfigureAwait(false);
        }

        var name = http.Request.Host.Host;
        var reason = $"The dashboard does not answer to the host '{name}': it answers to "
            + (options.AllowedHosts.Count > 0 ? string.Join(", ", options.AllowedHosts) : "localhost, 127.0.0.1 and [::1] (anonymous, on loopback)")
            + "; add the name to ErrandDashboardOptions.AllowedHosts (Errand:Dashboard:AllowedHosts) to serve it.";
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Errand.Dashboard");
        DashboardLog.RequestRefused(logger, http.Request.Method, http.Request.Path, $"host '{name}' not allowed");
        return TypedResults.Json(new ErrorMessage(reason), DashboardJsonContext.Default.ErrorMessage, statusCode: StatusCodes.Status403Forbidden);
    }

    private bool IsAllowed(HttpContext http)
    {
        var name = http.Request.Host.Host;
        if (options.AllowedHosts.Count > 0)
        {
            return options.AllowedHosts.Any(allowed => allowed == "*" || string.Equals(allowed, name, StringComparison.OrdinalIgnoreCase));
        }

        // A connection with no address (an in-process test server) is checked as a loopback one.
        var local = http.Connection.LocalIpAddress;
        return !options.AllowAnonymous || (local is not null && !IPAddress.IsLoopback(local)) || IsLoopbackName(name);
    }

    private static bool IsLoopbackName(string name) =>
        string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}

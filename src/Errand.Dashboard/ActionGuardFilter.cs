using Errand.Dashboard.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Dashboard;

/// <summary>Guards the state-changing endpoints: refused in read-only mode, and from other sites.</summary>
/// <remarks>
/// A request must carry the header <c>X-Errand-Dashboard: 1</c>: a cross-site form cannot set it, and a cross-site
/// script that tries needs a CORS preflight that the dashboard never grants. A browser's <c>Sec-Fetch-Site:
/// cross-site</c> and an <c>Origin</c> other than the request's host are refused too.
/// </remarks>
internal sealed class ActionGuardFilter(bool readOnly) : IEndpointFilter
{
    public const string HeaderName = "X-Errand-Dashboard";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var reason = Refusal(http.Request);
        if (reason is null)
        {
            return await next(context).ConfigureAwait(false);
        }

        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Errand.Dashboard");
        DashboardLog.RequestRefused(logger, http.Request.Method, http.Request.Path, reason);
        return TypedResults.Json(new ErrorMessage(reason), DashboardJsonContext.Default.ErrorMessage, statusCode: StatusCodes.Status403Forbidden);
    }

    private string? Refusal(HttpRequest request)
    {
        if (readOnly)
        {
            return "The dashboard is read-only.";
        }

        if (request.Headers[HeaderName] != "1")
        {
            return $"Actions need the header {HeaderName}: 1 (cross-site request protection).";
        }

        if (request.Headers["Sec-Fetch-Site"] == "cross-site")
        {
            return "Cross-site requests are refused.";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0
            && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
        {
            return "Requests from another origin are refused.";
        }

        return null;
    }
}

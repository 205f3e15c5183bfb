using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Dashboard;

/// <summary>Lets a request through only with the configured HTTP basic credentials, compared in constant time.</summary>
internal sealed class BasicAuthenticationFilter(string userName, string password) : IEndpointFilter
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes($"{userName}:{password}");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (Matches(http.Request.Headers.Authorization.ToString()))
        {
            return await next(context).ConfigureAwait(false);
        }

        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Errand.Dashboard");
        DashboardLog.RequestRefused(logger, http.Request.Method, http.Request.Path, "no valid basic credentials");
        http.Response.Headers.WWWAuthenticate = "Basic realm=\"Errand dashboard\", charset=\"UTF-8\"";
        return TypedResults.Unauthorized();
    }

    private bool Matches(string header)
    {
        if (!AuthenticationHeaderValue.TryParse(header, out var value)
            || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || value.Parameter is null)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[Math.Min(1024, (value.Parameter.Length * 3 / 4) + 3)];
        if (!Convert.TryFromBase64String(value.Parameter, given, out var length))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(given[..length], _expected);
    }
}

using Errand.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Errand's dashboard into an ASP.NET Core app.</summary>
public static class ErrandDashboardEndpointRouteBuilderExtensions
{
    /// <summary>Maps the dashboard page and its JSON API (<c>PATTERN/api/...</c>) under <paramref name="pattern"/>.</summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="pattern">Where it is served, such as <c>/monitor</c>.</param>
    /// <param name="options">The queues, who may use it, and whether it is read-only. Exactly one of an authorization policy, basic credentials or an explicit anonymous access must be chosen.</param>
    /// <returns>The route group of every dashboard endpoint, to add conventions to (rate limiting, CORS is not needed).</returns>
    /// <exception cref="InvalidOperationException">No access rule, or more than one, was chosen; or a basic password is missing.</exception>
    public static RouteGroupBuilder MapErrandDashboard(this IEndpointRouteBuilder endpoints, string pattern, ErrandDashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        var group = endpoints.MapGroup(pattern);
        group.AddEndpointFilter(new HostGuardFilter(options));
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }
        else if (options.BasicAuthUserName is { } user)
        {
            group.AllowAnonymous();
            group.AddEndpointFilter(new BasicAuthenticationFilter(user, options.BasicAuthPassword!));
        }
        else
        {
            group.AllowAnonymous();
        }

        var assets = new DashboardAssets();
        group.MapGet("/", (HttpContext context) =>
        {
            var request = context.Request;
            if (!request.Path.Value!.EndsWith('/'))
            {
                // The page loads its files and API by relative URLs: they need the trailing slash.
                return Results.Redirect($"{request.PathBase}{request.Path}/{request.QueryString}");
            }

            return assets.Serve(context, "index.html");
        }).ExcludeFromDescription();
        group.MapGet("/assets/{name}", (HttpContext context, string name) => assets.Serve(context, name)).ExcludeFromDescription();
        new DashboardApi(options, new DashboardQueues(options)).Map(group.MapGroup("/api"));
        return group;
    }

    /// <summary>Maps the dashboard under <paramref name="pattern"/>, with options set by <paramref name="configure"/>.</summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="pattern">Where it is served, such as <c>/monitor</c>.</param>
    /// <param name="configure">Sets the options; it must choose an access rule.</param>
    /// <returns>The route group of every dashboard endpoint.</returns>
    /// <exception cref="InvalidOperationException">No access rule, or more than one, was chosen.</exception>
    public static RouteGroupBuilder MapErrandDashboard(this IEndpointRouteBuilder endpoints, string pattern, Action<ErrandDashboardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ErrandDashboardOptions();
        configure(options);
        return endpoints.MapErrandDashboard(pattern, options);
    }

    private static void Validate(ErrandDashboardOptions options)
    {
        var chosen = (options.AuthorizationPolicy is not null ? 1 : 0) + (options.BasicAuthUserName is not null ? 1 : 0) + (options.AllowAnonymous ? 1 : 0);
        if (chosen != 1)
        {
            throw new InvalidOperationException(
                "The Errand dashboard needs exactly one access rule: set ErrandDashboardOptions.AuthorizationPolicy (a policy name), "
                + "BasicAuthUserName and BasicAuthPassword, or AllowAnonymous = true (only behind something that already guards it). "
                + (chosen == 0 ? "None was set." : "More than one was set."));
        }

        if (options.BasicAuthUserName is not null && (options.BasicAuthUserName.Length == 0 || string.IsNullOrEmpty(options.BasicAuthPassword)))
        {
            throw new InvalidOperationException("ErrandDashboardOptions.BasicAuthUserName needs a non-empty user name and BasicAuthPassword.");
        }

        if (options.FilterWindow < 1 || options.MaxBulkRetry < 1)
        {
            throw new InvalidOperationException("ErrandDashboardOptions.FilterWindow and MaxBulkRetry must be at least 1.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(250))
        {
            throw new InvalidOperationException("ErrandDashboardOptions.PollInterval must be at least 250 ms.");
        }
    }
}

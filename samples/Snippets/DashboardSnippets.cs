using Errand;
using Errand.Dashboard;

namespace Snippets;

/// <summary>The README's dashboard mapping.</summary>
internal static class DashboardSnippets
{
    public static void Map(WebApplication app, Queue queue)
    {
        var options = new ErrandDashboardOptions { AuthorizationPolicy = "ops" };   // or BasicAuthUserName/Password, or AllowAnonymous = true
        options.Queues.Add(queue);                      // Errand.Queue instances; or QueueResolver; default: every IQueue in DI
        app.MapErrandDashboard("/monitor", options);    // returns the route group, for more conventions
    }
}

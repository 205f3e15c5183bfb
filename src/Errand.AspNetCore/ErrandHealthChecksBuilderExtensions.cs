using Errand.AspNetCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Errand's health check.</summary>
public static class ErrandHealthChecksBuilderExtensions
{
    /// <summary>Adds a check of every Errand queue: unhealthy when its backend cannot be reached, degraded when no live worker takes its jobs.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags to filter the check by, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddErrand(this IHealthChecksBuilder builder, string name = "errand", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<ErrandHealthCheck>(name, HealthStatus.Unhealthy, tags ?? []);
    }
}

using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore;

/// <summary>Configures Errand in a service collection; returned by <c>AddErrand</c>.</summary>
public interface IErrandBuilder
{
    /// <summary>Gets the service collection Errand is added to.</summary>
    IServiceCollection Services { get; }
}

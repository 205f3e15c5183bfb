namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures Errand in a service collection; returned by <c>AddErrand</c>, extended by the backend packages (<c>UseRedis</c>, <c>UsePostgres</c>).</summary>
public interface IErrandBuilder
{
    /// <summary>Gets the service collection Errand is added to.</summary>
    IServiceCollection Services { get; }
}

using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore;

internal sealed class ErrandBuilder(IServiceCollection services) : IErrandBuilder
{
    public IServiceCollection Services { get; } = services;
}

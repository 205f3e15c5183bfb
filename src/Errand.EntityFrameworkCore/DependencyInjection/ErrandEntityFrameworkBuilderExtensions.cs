using Errand.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets jobs be enqueued with an EF Core <see cref="DbContext"/>, and relays its outbox.</summary>
public static class ErrandEntityFrameworkBuilderExtensions
{
    /// <summary>Adds the interceptor that <c>UseErrand</c> puts on <typeparamref name="TContext"/>'s options, and the hosted relay of its outbox table.</summary>
    /// <typeparam name="TContext">The application's context; its model maps the outbox with <c>AddErrandOutbox()</c> when a queue lives outside its database.</typeparam>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="configure">Configures the relay, or <see langword="null"/> for the defaults.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Calling it again for the same context adds nothing. The relay runs in every process that hosts the application, whether or not it runs a worker.</remarks>
    public static IErrandBuilder AddEntityFrameworkOutbox<TContext>(this IErrandBuilder builder, Action<ErrandOutboxOptions>? configure = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<OutboxSignal>();
        builder.Services.TryAddSingleton<ErrandDbContextInterceptor>();
        var options = builder.Services.AddOptions<ErrandOutboxOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ErrandOutboxRelay<TContext>>());
        return builder;
    }

    /// <summary>Adds Errand's interceptor to a context's options, so that jobs enqueued with the context are written at its save and relayed at its commit.</summary>
    /// <param name="options">The context's options builder.</param>
    /// <param name="services">The application's services, as given by <c>AddDbContext((services, options) =&gt; ...)</c>.</param>
    /// <returns>The options builder.</returns>
    /// <exception cref="InvalidOperationException"><c>AddEntityFrameworkOutbox</c> was not called.</exception>
    public static DbContextOptionsBuilder UseErrand(this DbContextOptionsBuilder options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var interceptor = services.GetService<ErrandDbContextInterceptor>()
            ?? throw new InvalidOperationException("UseErrand needs AddErrand().AddEntityFrameworkOutbox<TContext>() in the application's services.");
        return options.AddInterceptors(interceptor);
    }
}

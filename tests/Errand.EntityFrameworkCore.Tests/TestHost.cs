using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Errand.EntityFrameworkCore.Tests;

/// <summary>An application host: Errand on a store, the mail service, <see cref="ShopDb"/> with <c>UseErrand</c>, and the outbox relay (its periodic pass an hour away, so only a commit wakes it).</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(IHost host) => Host = host;

    public IHost Host { get; }

    public Mailbox Mailbox => Host.Services.GetRequiredService<Mailbox>();

    public IQueue Queue => Host.Services.GetRequiredService<IQueue>();

    public static async Task<TestHost> CreateAsync(Action<IErrandBuilder> store, Action<DbContextOptionsBuilder> database)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddFilter(_ => false);
        builder.Services.AddSingleton<Mailbox>();
        builder.Services.AddScoped<MailService>();
        var errand = builder.Services
            .AddErrand(o => o.Queue = $"ef{Guid.NewGuid():N}"[..16])
            .AddJobService<MailService>()
            .AddFunctions((functions, services) => functions.Add<WelcomeArgs>("welcome", (args, _) =>
            {
                services.GetRequiredService<Mailbox>().Send(args.Name);
                return Task.CompletedTask;
            }))
            .AddEntityFrameworkOutbox<ShopDb>(o => o.SweepInterval = TimeSpan.FromHours(1));
        store(errand);
        builder.Services.AddDbContext<ShopDb>((services, options) =>
        {
            database(options);
            options.UseErrand(services);
        });
        var host = new TestHost(builder.Build());
        await using var scope = host.Host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ShopDb>().Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return host;
    }

    public ShopDb NewContext(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<ShopDb>();

    public AsyncServiceScope Scope() => Host.Services.CreateAsyncScope();

    public async Task<int> CountOutboxAsync()
    {
        await using var scope = Scope();
        return await NewContext(scope).Outbox.CountAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }
}

public sealed record WelcomeArgs(string Name);

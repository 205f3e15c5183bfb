using Errand.Cron;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Testing.Tests;

/// <summary>An application's cron jobs (<c>AddCronJob</c>), run by the tester as the app's hosted worker would run them.</summary>
public sealed class AppCronJobTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddCronJob_EveryMinuteAdvancedTenMinutes_RunsTenTimesOnTheMinute()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 12, 0, 30, TimeSpan.Zero));
        var runs = new List<DateTimeOffset>();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddErrand()
            .AddFunctions((functions, _) => functions.Add("cleanup", _ =>
            {
                runs.Add(clock.GetUtcNow());
                return Task.CompletedTask;
            }))
            .AddCronJob(new CronJob("cleanup", "* * * * *"));
        services.AddErrandTesting(clock);
        await using var provider = services.BuildServiceProvider();
        var tester = provider.GetRequiredService<ErrandTester>();

        await tester.AdvanceAsync(TimeSpan.FromMinutes(10), Ct);

        Assert.Equal(Enumerable.Range(1, 10).Select(m => new DateTimeOffset(2030, 1, 1, 12, m, 0, TimeSpan.Zero)), runs);
    }

    [Fact]
    public void AddCronJob_ForAQueueThatIsNotConfigured_IsRefusedNamingIt()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddErrand().AddCronJob(new CronJob("cleanup", "* * * * *"), queue: "nightly");
        services.AddErrandTesting();
        using var provider = services.BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<ErrandTester>());

        Assert.Contains("'nightly'", error.ToString(), StringComparison.Ordinal);
    }
}

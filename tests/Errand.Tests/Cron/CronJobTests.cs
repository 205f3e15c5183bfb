using Errand.Cron;

namespace Errand.Tests.Cron;

public sealed class CronJobTests
{
    [Fact]
    public void NextOccurrence_FiveFields_NextQuarterHour()
    {
        var cron = new CronJob("report", "*/15 * * * *");

        var next = cron.NextOccurrence(new DateTimeOffset(2030, 1, 1, 10, 7, 30, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2030, 1, 1, 10, 15, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void NextOccurrence_SixFields_SecondsAreTheFirstField()
    {
        var cron = new CronJob("tick", "*/10 * * * * *");

        var next = cron.NextOccurrence(new DateTimeOffset(2030, 1, 1, 10, 7, 31, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2030, 1, 1, 10, 7, 40, TimeSpan.Zero), next);
    }

    [Fact]
    public void NextOccurrence_TimeZone_ReadsTheExpressionInThatZone()
    {
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var cron = new CronJob("morning", "0 9 * * *") { TimeZone = paris };

        var winter = cron.NextOccurrence(new DateTimeOffset(2030, 1, 15, 0, 0, 0, TimeSpan.Zero));
        var summer = cron.NextOccurrence(new DateTimeOffset(2030, 7, 15, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2030, 1, 15, 8, 0, 0, TimeSpan.Zero), winter!.Value.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2030, 7, 15, 7, 0, 0, TimeSpan.Zero), summer!.Value.ToUniversalTime());
    }

    [Fact]
    public void Constructor_InvalidExpression_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CronJob("broken", "61 * * * *"));

        Assert.Contains("61 * * * *", ex.Message, StringComparison.Ordinal);
        Assert.Contains("broken", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_NotSet_IsTheFunctionName()
    {
        Assert.Equal("cleanup", new CronJob("cleanup", "0 * * * *").Name);
        Assert.Equal("hourly", new CronJob("cleanup", "0 * * * *") { Name = "hourly" }.Name);
    }
}

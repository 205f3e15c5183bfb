using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Tests;

public sealed class JobFactoryTests
{
    private static readonly JsonSerializerOptions Json = QueueOptions.CreateDefaultJsonOptions();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Create_AnonymousArguments_WritesSnakeCaseKwargs()
    {
        var job = JobFactory.Create("q", "send", new { RawAuthor = new { FullName = "Ada" } }, new JobOptions(), Json, _clock);

        Assert.Equal("""{"raw_author":{"full_name":"Ada"}}""", job.Kwargs!.Value.GetRawText());
    }

    [Fact]
    public void Create_Options_ConvertedToSaqUnits()
    {
        var options = new JobOptions
        {
            Key = "k",
            Timeout = TimeSpan.FromMilliseconds(1500),
            Heartbeat = TimeSpan.FromSeconds(30),
            Retries = 5,
            Ttl = TimeSpan.FromHours(1),
            RetryDelay = TimeSpan.FromMilliseconds(250),
            RetryBackoff = true,
            RetryBackoffCap = TimeSpan.FromMinutes(1),
            Delay = TimeSpan.FromSeconds(90),
        };

        var job = JobFactory.Create("q", "f", null, options, Json, _clock);

        Assert.Equal("k", job.Key);
        Assert.Equal(2, job.Timeout);
        Assert.Equal(30, job.Heartbeat);
        Assert.Equal(5, job.Retries);
        Assert.Equal(3600, job.Ttl);
        Assert.Equal(0.25, job.RetryDelay);
        Assert.True(job.RetryBackoff);
        Assert.Equal(60, job.RetryBackoffCap);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 1, 30, TimeSpan.Zero).ToUnixTimeSeconds(), job.Scheduled);
    }

    [Fact]
    public void Create_NegativeTtl_DeletesAtOnce() =>
        Assert.Equal(-1, JobFactory.Create("q", "f", null, new JobOptions { Ttl = TimeSpan.FromSeconds(-5) }, Json, _clock).Ttl);

    [Fact]
    public void Create_ScheduledAtWinsOverDelay()
    {
        var at = new DateTimeOffset(2031, 6, 1, 12, 0, 0, TimeSpan.Zero);

        var job = JobFactory.Create("q", "f", null, new JobOptions { ScheduledAt = at, Delay = TimeSpan.FromDays(1) }, Json, _clock);

        Assert.Equal(at.ToUnixTimeSeconds(), job.Scheduled);
    }

    [Theory]
    [InlineData(nameof(JobOptions.Retries))]
    [InlineData(nameof(JobOptions.Timeout))]
    [InlineData(nameof(JobOptions.RetryDelay))]
    public void Create_OptionOutOfRange_ThrowsNamingTheOption(string option)
    {
        var options = option switch
        {
            nameof(JobOptions.Retries) => new JobOptions { Retries = 0 },
            nameof(JobOptions.Timeout) => new JobOptions { Timeout = TimeSpan.FromSeconds(-1) },
            _ => new JobOptions { RetryDelay = TimeSpan.FromSeconds(-1) },
        };

        var ex = Assert.Throws<ArgumentException>(() => JobFactory.Create("q", "f", null, options, Json, _clock));

        Assert.Equal(option, ex.ParamName);
    }

    [Fact]
    public void Create_ArgumentsThatAreNotAnObject_Throw()
    {
        var ex = Assert.Throws<ArgumentException>(() => JobFactory.Create("q", "f", new[] { 1, 2 }, new JobOptions(), Json, _clock));

        Assert.Contains("JSON object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithDefaults_UnsetOptions_TakeTheDefaults()
    {
        var merged = new JobOptions { Retries = 3 }.WithDefaults(new JobOptions { Retries = 9, Timeout = TimeSpan.FromMinutes(5) });

        Assert.Equal(3, merged.Retries);
        Assert.Equal(TimeSpan.FromMinutes(5), merged.Timeout);
    }
}

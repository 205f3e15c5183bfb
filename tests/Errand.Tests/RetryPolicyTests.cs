namespace Errand.Tests;

public sealed class RetryPolicyTests
{
    [Fact]
    public void NextDelay_NoBackoff_IsTheFixedDelay()
    {
        var job = new Job("f", "q") { RetryDelay = 2.5, Attempts = 4 };

        Assert.Equal(TimeSpan.FromSeconds(2.5), RetryPolicy.NextDelay(job, new Random(1)));
    }

    [Fact]
    public void NextDelay_Backoff_StaysBelowDelayTimesTwoToTheAttemptsMinusOne()
    {
        var random = new Random(7);
        var delays = Enumerable.Range(0, 500)
            .Select(_ => RetryPolicy.NextDelay(new Job("f", "q") { RetryDelay = 1, RetryBackoff = true, Attempts = 4 }, random))
            .ToList();

        // SAQ: delay x 2^(attempts-1) x random in [0, 1): below 8 s for the 4th attempt, and spread across the range.
        Assert.All(delays, d => Assert.InRange(d.TotalSeconds, 0, 7.999999));
        Assert.Contains(delays, d => d.TotalSeconds > 4);
        Assert.Contains(delays, d => d.TotalSeconds < 4);
    }

    [Fact]
    public void NextDelay_BackoffWithCap_NeverExceedsTheCap()
    {
        var random = new Random(3);

        var delays = Enumerable.Range(0, 200)
            .Select(_ => RetryPolicy.NextDelay(new Job("f", "q") { RetryDelay = 1, RetryBackoff = true, RetryBackoffCap = 5, Attempts = 20 }, random));

        Assert.All(delays, d => Assert.InRange(d.TotalSeconds, 0, 5));
    }
}

namespace Errand.Tests;

public sealed class JobKeyTests
{
    [Fact]
    public async Task NewJob_WithoutKey_GetsADistinctVersion4UuidOnEveryThread()
    {
        // Four threads, each past its first 4 KiB of random bytes (256 keys), so that refills are crossed too.
        var perThread = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 1000).Select(_ => new Job("work", "default").Key).ToList())));
        var keys = perThread.SelectMany(k => k).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, key =>
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", key);
            Assert.Equal(4, Guid.Parse(key).Version);
        });

        // Random bits, not a counter: each hex digit outside the version and variant takes many values.
        var digits = keys.Select(k => k[0]).Distinct().Count();
        Assert.True(digits >= 12, $"the first digit took {digits} values in {keys.Count} keys");
    }

    [Fact]
    public void NewJob_WithKey_KeepsIt() => Assert.Equal("report-2026-11", new Job("work", "default", "report-2026-11").Key);
}

using Errand.Backends;
using Errand.InMemory;

namespace Errand.Tests.Backends;

public sealed class QueueStoreSchemesTests
{
    private static readonly QueueStoreSchemes Schemes = new([new FakeEngine("Alpha", "alpha", "alphas"), new FakeEngine("Beta", "beta")]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("alpha://host/1", "Alpha")]
    [InlineData("ALPHAS://host", "Alpha")]
    [InlineData("beta://u:p@host:1/db", "Beta")]
    public void Find_UrlOfARegisteredScheme_GivesItsProvider(string url, string engine) => Assert.Equal(engine, Schemes.Find(url)!.Name);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task ConnectAsync_NoUrl_OpensAStoreInMemory(string? url)
    {
        Assert.Null(Schemes.Find(url));
        await using var store = await Schemes.ConnectAsync(url, new QueueStoreOptions(), Ct);

        Assert.IsType<InMemoryQueueStore>(store);
        Assert.IsType<InMemoryQueueBackend>(await store.OpenBackendAsync("q", Ct));
        Assert.Equal(["q"], await store.FindQueuesAsync(Ct));
    }

    [Fact]
    public void Find_SchemeNoProviderTakes_ListsTheSupportedOnesWithoutRepeatingTheUrl()
    {
        var ex = Assert.Throws<ArgumentException>(() => Schemes.Find("mysql://root:secret@db/x"));

        Assert.StartsWith("The URL has the scheme 'mysql', which no Errand backend takes. Supported: alpha://, alphas://, beta://;", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("redis://localhost", "Errand.Redis (UseRedis)")]
    [InlineData("postgres://localhost/db", "Errand.Postgres (UsePostgres)")]
    [InlineData("postgresql://localhost/db", "Errand.Postgres (UsePostgres)")]
    public void Find_SchemeOfABackendNotRegistered_NamesItsPackage(string url, string package)
    {
        var ex = Assert.Throws<ArgumentException>(() => Schemes.Find(url));

        Assert.Contains($"which needs the package {package}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_NoScheme_SaysSo() =>
        Assert.StartsWith("The URL has no scheme.", Assert.Throws<ArgumentException>(() => Schemes.Find("localhost:6379")).Message, StringComparison.Ordinal);

    [Fact]
    public void Constructor_TwoProvidersOfOneScheme_TheLaterWins() =>
        Assert.Equal("Second", new QueueStoreSchemes([new FakeEngine("First", "x"), new FakeEngine("Second", "x")]).Find("x://h")!.Name);

    private sealed class FakeEngine(string name, params string[] schemes) : IQueueStoreProvider
    {
        public string Name => name;

        public IReadOnlyList<string> Schemes => schemes;

        public Task<IQueueStore> ConnectAsync(string url, QueueStoreOptions options, CancellationToken cancellationToken) =>
            Task.FromResult<IQueueStore>(new InMemoryQueueStore(options));
    }
}

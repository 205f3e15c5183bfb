using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Errand.Redis.Tests;

/// <summary>Hands out <see cref="FakeLogger"/>s that all write to one collector.</summary>
public sealed class CollectingLoggerFactory(FakeLogCollector collector) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new FakeLogger(collector, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}

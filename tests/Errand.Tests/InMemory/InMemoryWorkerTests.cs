using Errand.Conformance;

namespace Errand.Tests.InMemory;

public sealed class InMemoryWorkerTests : WorkerConformanceTests
{
    protected override Task<Queue> CreateQueueAsync(string queueName) => Task.FromResult(Queue.InMemory(queueName));
}

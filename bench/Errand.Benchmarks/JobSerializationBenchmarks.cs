using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Errand.Backends;

namespace Errand.Benchmarks;

/// <summary>Writing and reading SAQ's job document: a typical job as it is stored when it is marked active.</summary>
[MemoryDiagnoser]
public class JobSerializationBenchmarks
{
    private Job _job = null!;
    private byte[] _document = [];

    [GlobalSetup]
    public void Setup()
    {
        _job = new Job("send_email", "default", "5f0c6f3e-9a61-4a53-8d39-2b7b4a1e8f00")
        {
            Kwargs = JsonDocument.Parse("""{"to":"ada@example.com","subject":"Welcome","retries":3}""").RootElement,
            Status = JobStatus.Active,
            Attempts = 1,
            Queued = 1_764_300_000_000,
            Started = 1_764_300_000_120,
            Touched = 1_764_300_000_120,
            WorkerId = "3d1e0b8c-6f0e-4c55-b5b8-1f9f5d7f2a11",
        };
        _document = JobDocument.Serialize(_job);
    }

    [Benchmark(Baseline = true)]
    public byte[] Serialize() => JobDocument.Serialize(_job);

    [Benchmark]
    public Job Deserialize() => JobDocument.Deserialize(_document, null, "default");

    [Benchmark]
    public JobStatus? ReadStatus() => JobDocument.ReadStatus(_document);
}

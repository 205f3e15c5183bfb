using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Errand.Benchmarks -- --filter '*'        (or a class: --filter '*JobSerialization*')
// The Redis benchmarks start their own redis-server on a free loopback port.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

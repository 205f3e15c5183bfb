using Errand.Bench;

// Usage:
//   dotnet run -c Release --project bench/Errand.Bench -- [--engine redis|postgres] [--quick] [--n 20000] [--runs 3]
//                                                          [--peers bullmq,hangfire|pgboss,hangfire|none] [--systems errand,...]
//                                                          [--no-monitor] [--no-save] [--jit]
//   ... driver ROLE --url URL ...     (internal: the Errand side of a workload, started by the harness; or --redis HOST:PORT)
try
{
    if (args.Length > 0 && args[0] == "driver")
    {
        return await ErrandDriver.RunAsync(args.Length > 1 ? args[1] : string.Empty, new Args(args.Skip(2)));
    }

    return await Harness.RunAsync(new Args(args));
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 2;
}

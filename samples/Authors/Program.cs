using Authors;

// dotnet run --project samples/Authors               web app + in-process worker (in-memory queue unless Errand__Url is set)
// dotnet run --project samples/Authors -- worker     worker only, no HTTP (needs Errand__Url=redis://... or postgresql://..., shared with the web app)
// dotnet run --project samples/Authors -- --Errand:RunWorker=false   web app that only enqueues
if (args.Length > 0 && args[0] == "worker")
{
    using var worker = await AuthorsApp.BuildWorkerAsync(args[1..]);
    if (string.IsNullOrEmpty(worker.Services.GetRequiredService<IConfiguration>()["Errand:Url"]))
    {
        await Console.Error.WriteLineAsync("The worker process takes its jobs from a shared store: set Errand__Url=redis://... or postgresql://... (the web app uses the same).");
        Environment.Exit(2);
    }

    await worker.RunAsync();
    return;
}

var app = await AuthorsApp.BuildWebAsync(args);
await app.RunAsync();

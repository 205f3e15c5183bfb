using Errand.Hosting;
using Errand.Cli.TestWorker;

return await ErrandWorkerHost.RunAsync(args, worker => TestFunctions.Register(worker.Functions));

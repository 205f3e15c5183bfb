using Errand.Hosting;
using Errand.Cli.Tests.Worker;

return await ErrandWorkerHost.RunAsync(args, worker => TestFunctions.Register(worker.Functions));

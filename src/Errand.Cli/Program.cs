using Errand.Cli;

return await CliApplication.RunAsync(args).ConfigureAwait(false);

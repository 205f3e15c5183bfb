using System.CommandLine;
using System.Net;
using Errand.Dashboard;
using Errand.Hosting;

namespace Errand.Cli;

/// <summary><c>errand dashboard URL [--queue Q ...] [--port P] [--bind A]</c>: the dashboard of the queues of a Redis or a PostgreSQL database, on loopback unless told otherwise.</summary>
internal static class DashboardCommand
{
    public const string PasswordVariable = "ERRAND_DASHBOARD_PASSWORD";

    public static Command Create()
    {
        var url = CommonOptions.Url();
        var queues = new Option<string[]>("--queue", "-q") { Description = "Show these queues (repeat for several); default: every queue found there." };
        var port = new Option<int>("--port", "-p") { Description = "The port (0: a free one).", DefaultValueFactory = _ => 8080 };
        var bind = new Option<string>("--bind") { Description = "The address to listen on; any but loopback needs --user.", DefaultValueFactory = _ => "127.0.0.1" };
        var user = new Option<string?>("--user") { Description = $"Ask for HTTP basic credentials: this user, with the password in ${PasswordVariable}." };
        var readOnly = new Option<bool>("--read-only") { Description = "Show only: no retry or abort." };
        var command = new Command("dashboard", "Serve the dashboard of the queues until Ctrl+C.") { url, queues, port, bind, user, readOnly };
        command.Validators.Add(r =>
        {
            if (r.GetValue(bind) is { } text && !IPAddress.TryParse(text, out _))
            {
                r.AddError("--bind must be an IP address, such as 127.0.0.1 or 0.0.0.0.");
            }

            if (r.GetValue(port) is < 0 or > IPEndPoint.MaxPort)
            {
                r.AddError("--port must be between 0 and 65535.");
            }
        });
        command.SetAction((result, ct) => CliApplication.ExecuteAsync(result, result.GetRequiredValue(url), async session =>
        {
            var address = IPAddress.Parse(result.GetRequiredValue(bind));
            var options = new ErrandDashboardOptions { ReadOnly = result.GetValue(readOnly), Title = $"Errand: {session.Endpoint}" };
            if (result.GetValue(user) is { } userName)
            {
                options.BasicAuthUserName = userName;
                options.BasicAuthPassword = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } password
                    ? password
                    : throw new CliException(ExitCodes.Usage, $"--user needs the password in the environment variable {PasswordVariable}.");
            }
            else if (!IPAddress.IsLoopback(address))
            {
                throw new CliException(ExitCodes.Usage, $"a dashboard on {address} is reachable from other machines: give --user (password in {PasswordVariable}).");
            }

            var names = result.GetValue(queues) is { Length: > 0 } asked ? asked.Distinct(StringComparer.Ordinal).ToList() : [.. await session.FindQueuesAsync(ct).ConfigureAwait(false)];
            if (names.Count == 0)
            {
                throw new CliException(ExitCodes.QueueNotFound, $"no queues at {session.Endpoint}; name one with --queue.");
            }

            foreach (var name in names)
            {
                options.Queues.Add(await session.OpenExistingAsync(name, ct).ConfigureAwait(false));
            }

            try
            {
                ErrandDashboardServer server;
                try
                {
                    server = await ErrandDashboardServer.StartAsync(options, address, result.GetValue(port), ct).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    throw new CliException(ExitCodes.Failed, $"cannot listen on {address}:{result.GetValue(port)}: {ex.Message}");
                }

                await using (server.ConfigureAwait(false))
                {
                    Terminal.Line($"Errand dashboard of {string.Join(", ", names)} at {server.Url} (Ctrl+C to stop)");
                    try
                    {
                        await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                    }

                    return ExitCodes.Ok;
                }
            }
            finally
            {
                foreach (var queue in options.Queues.OfType<Queue>())
                {
                    await queue.DisposeAsync().ConfigureAwait(false);
                }
            }
        }, ct));
        return command;
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
using StackExchange.Redis;

namespace Errand.Cli;

/// <summary>The <c>errand</c> command: parses the command line, runs a subcommand and turns failures into exit codes.</summary>
internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("errand: look at and repair the Errand and SAQ queues of a Redis.")
        {
            CommonOptions.Timeout,
            InfoCommand.Create(),
            JobsCommand.Create(),
            JobCommand.Create(),
            EnqueueCommand.Create(),
            RetryCommand.Create(),
            AbortCommand.Create(),
            CheckCommand.Create(),
            DashboardCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors)
            {
                Terminal.Error($"error: {error.Message}");
            }

            Terminal.Error("Run 'errand --help' (or 'errand COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
    }

    /// <summary>Connects to the command's Redis and runs <paramref name="body"/>, turning every expected failure into a message and an exit code.</summary>
    public static async Task<int> ExecuteAsync(ParseResult result, string url, Func<RedisSession, Task<int>> body, CancellationToken cancellationToken)
    {
        var seconds = result.GetValue(CommonOptions.Timeout);
        try
        {
            if (seconds <= 0)
            {
                throw new CliException(ExitCodes.Usage, "--timeout must be more than 0 seconds.");
            }

            var session = await RedisSession.ConnectAsync(url, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                try
                {
                    return await body(session).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is BackendUnavailableException or RedisConnectionException or RedisTimeoutException)
                {
                    throw new CliException(ExitCodes.Unreachable, $"Redis at {session.Endpoint} did not answer: {FirstSentence(ex.Message)}");
                }
            }
        }
        catch (CliException ex)
        {
            return Fail(ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Terminal.Error("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (CorruptJobException ex)
        {
            Terminal.Error($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Prints the failure on stderr and returns its exit code.</summary>
    public static int Fail(CliException exception)
    {
        Terminal.Error($"error: {exception.Message}");
        return exception.ExitCode;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;

namespace Errand.Cli;

/// <summary>The <c>errand</c> command: parses the command line, runs a subcommand and turns failures into exit codes.</summary>
internal static class CliApplication
{
    /// <summary>The environment variable that holds the queue URL when no command-line argument gives one.</summary>
    public const string UrlVariable = "ERRAND_URL";

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand($"errand: look at and repair the Errand and SAQ queues of a Redis or a PostgreSQL database. Each command's URL argument may be left out and set in the environment variable {UrlVariable} instead, which keeps a password out of ps and the shell's history.")
        {
            CommonOptions.Timeout,
            InfoCommand.Create(),
            JobsCommand.Create(),
            JobCommand.Create(),
            EnqueueCommand.Create(),
            RetryCommand.Create(),
            AbortCommand.Create(),
            PauseCommand.CreatePause(),
            PauseCommand.CreateResume(),
            CheckCommand.Create(),
            DashboardCommand.Create(),
        };
        var fromEnvironment = Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } variable ? variable : null;
        var parsed = root.Parse(WithUrlFromEnvironment(root, args, fromEnvironment));
        if (parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors)
            {
                Terminal.Error($"error: {error.Message}");
            }

            if (fromEnvironment is null && !args.Any(LooksLikeUrl))
            {
                Terminal.Error($"The queue URL is the command's first argument (redis://[user:password@]host:port[/db], postgresql://user@host:port/db), or the environment variable {UrlVariable}.");
            }

            Terminal.Error("Run 'errand --help' (or 'errand COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
    }

    /// <summary>Connects to the command's store and runs <paramref name="body"/>, turning every expected failure into a message and an exit code.</summary>
    public static async Task<int> ExecuteAsync(ParseResult result, string url, Func<StoreSession, Task<int>> body, CancellationToken cancellationToken)
    {
        var seconds = result.GetValue(CommonOptions.Timeout);
        try
        {
            if (seconds <= 0)
            {
                throw new CliException(ExitCodes.Usage, "--timeout must be more than 0 seconds.");
            }

            var session = await StoreSession.ConnectAsync(url, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                try
                {
                    return await body(session).ConfigureAwait(false);
                }
                catch (BackendUnavailableException ex)
                {
                    throw new CliException(ExitCodes.Unreachable, $"{session.Engine} at {session.Endpoint} did not answer: {FirstSentence(ex.Reason)}");
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

    /// <summary>Returns the arguments with <paramref name="url"/> as the command's URL argument, unless an argument already is a URL (it wins).</summary>
    /// <remarks>The URL goes right after the command's name, where the commands take it; it is never printed.</remarks>
    internal static string[] WithUrlFromEnvironment(RootCommand root, string[] args, string? url)
    {
        if (url is null || args.Any(LooksLikeUrl))
        {
            return args;
        }

        var names = root.Subcommands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var command = Array.FindIndex(args, a => names.Contains(a));
        return command < 0 ? args : [.. args[..(command + 1)], url, .. args[(command + 1)..]];
    }

    // A scheme first (redis://, rediss://, or another that the command then refuses by name): a JSON argument is not one.
    private static bool LooksLikeUrl(string argument)
    {
        var scheme = argument.IndexOf("://", StringComparison.Ordinal);
        return scheme > 0 && argument[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

using System.CommandLine;

namespace Errand.Hosting;

/// <summary>The worker program's command line, as SAQ's: <c>--url</c>, <c>--queue</c>, <c>--concurrency</c>, <c>--workers</c>, <c>--web</c>, <c>--check</c>, <c>-v</c>/<c>-vv</c>.</summary>
internal sealed class WorkerCommandLine
{
    public const string WorkersOption = "--workers";
    public const string WebOption = "--web";
    public const string PortOption = "--port";
    public const string BindOption = "--bind";

    public WorkerCommandLine(string description)
    {
        Root = new RootCommand(description)
        {
            Url, Queue, Concurrency, Workers, Web, Port, Bind, Check, Verbose, VeryVerbose,
        };
        Port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 65535)
            {
                result.AddError("--port must be between 0 and 65535.");
            }
        });
        Bind.Validators.Add(result =>
        {
            if (!System.Net.IPAddress.TryParse(result.GetValueOrDefault<string>(), out _))
            {
                result.AddError("--bind must be an IP address, such as 127.0.0.1 or 0.0.0.0.");
            }
        });
        Workers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--workers must be at least 1.");
            }
        });
        Concurrency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--concurrency must be at least 1.");
            }
        });
    }

    public RootCommand Root { get; }

    public Option<string?> Url { get; } = new("--url")
    {
        Description = "Where the queue is: redis://[user:password@]host:port[/db], rediss://..., postgresql://user[:password]@host[:port]/db (default: configuration Errand:Url; none: an in-memory queue).",
    };

    public Option<string?> Queue { get; } = new("--queue")
    {
        Description = "The queue to work (default: configuration Errand:Queue, else 'default').",
    };

    public Option<int?> Concurrency { get; } = new("--concurrency")
    {
        Description = "How many jobs each worker process runs at once (default: Errand:Worker:Concurrency, else 10).",
    };

    public Option<int> Workers { get; } = new(WorkersOption)
    {
        Description = "How many worker processes to start and supervise (default 1: this process is the worker).",
        DefaultValueFactory = _ => 1,
    };

    public Option<bool> Web { get; } = new(WebOption)
    {
        Description = "Also serve the dashboard from this program (the parent process with --workers).",
    };

    public Option<int> Port { get; } = new(PortOption)
    {
        Description = "The dashboard's port, with --web (0: a free one).",
        DefaultValueFactory = _ => 8080,
    };

    public Option<string> Bind { get; } = new(BindOption)
    {
        Description = "The dashboard's address, with --web; any other than loopback needs Errand:Dashboard:BasicAuthUserName and BasicAuthPassword.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public Option<bool> Check { get; } = new("--check")
    {
        Description = "Exit 0 when the queue has a live worker, else 1 (for health checks); starts no worker.",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log Errand's debug messages.",
    };

    public Option<bool> VeryVerbose { get; } = new("-vv")
    {
        Description = "Log debug messages of every component, and Errand's trace messages.",
    };

    public Values Read(ParseResult result) => new(
        result.GetValue(Url),
        result.GetValue(Queue),
        result.GetValue(Concurrency),
        result.GetValue(Workers),
        result.GetValue(Check),
        result.GetValue(Web),
        result.GetValue(Port),
        System.Net.IPAddress.Parse(result.GetValue(Bind)!),
        result.GetValue(VeryVerbose) ? 2 : result.GetValue(Verbose) ? 1 : 0);

    /// <summary>Returns the arguments of a child process: <paramref name="args"/> without <c>--workers N</c>, <c>--web</c>, <c>--port P</c> and <c>--bind A</c> (the parent serves the dashboard).</summary>
    public static IReadOnlyList<string> ChildArguments(IReadOnlyList<string> args)
    {
        string[] withValue = [WorkersOption, PortOption, BindOption];
        var result = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            if (withValue.Contains(args[i], StringComparer.Ordinal))
            {
                i++;
                continue;
            }

            if (string.Equals(args[i], WebOption, StringComparison.Ordinal)
                || withValue.Any(o => args[i].StartsWith(o + "=", StringComparison.Ordinal) || args[i].StartsWith(o + ":", StringComparison.Ordinal)))
            {
                continue;
            }

            result.Add(args[i]);
        }

        return result;
    }

    /// <summary>The parsed command line.</summary>
    internal sealed record Values(string? Url, string? Queue, int? Concurrency, int Workers, bool Check, bool Web, int Port, System.Net.IPAddress Bind, int Verbosity);
}

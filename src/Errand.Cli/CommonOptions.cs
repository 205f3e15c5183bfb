using System.CommandLine;

namespace Errand.Cli;

/// <summary>The arguments and options several commands share; each command gets instances of its own.</summary>
internal static class CommonOptions
{
    /// <summary>Gets the option every command inherits: how long to wait for the store.</summary>
    public static Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for the store (Redis, PostgreSQL) to connect or answer.",
        DefaultValueFactory = _ => 5,
        Recursive = true,
    };

    public static Argument<string> Url() => new("URL")
    {
        Description = $"Where the queues are: redis://[user:password@]host:port[/db], rediss://... for TLS, or postgresql://user[:password]@host[:port]/db. Leave it out to use the environment variable {CliApplication.UrlVariable} (keeps a password out of ps and the shell's history); an argument wins.",
    };

    public static Option<string> Queue() => new("--queue", "-q")
    {
        Description = "The queue name.",
        Required = true,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print JSON instead of a table, for scripts.",
    };

    public static Argument<string> Key() => new("KEY")
    {
        Description = "The job key.",
    };
}

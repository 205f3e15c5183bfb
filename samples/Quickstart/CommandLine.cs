namespace Quickstart;

/// <summary>The quickstart's tiny argument parser: <c>--name value</c>, <c>--flag</c> and positional words.</summary>
public sealed class CommandLine
{
    private static readonly HashSet<string> Flags = ["wait", "verbose"];
    private readonly Dictionary<string, string?> _named = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CommandLine Parse(string[] args)
    {
        var result = new CommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                var name = args[i][2..];
                result._named[name] = Flags.Contains(name) ? null : (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"--{name} needs a value"));
            }
            else
            {
                result.Positional.Add(args[i]);
            }
        }

        return result;
    }

    public string? Value(string name) => _named.GetValueOrDefault(name);

    public string Required(string name) => Value(name) ?? throw new ArgumentException($"--{name} is required");

    public bool Flag(string name) => _named.ContainsKey(name);

    public static int Usage(string error)
    {
        Console.Error.WriteLine($"error: {error}");
        Console.Error.WriteLine("usage: Quickstart                                   run the demo on the in-memory queue");
        Console.Error.WriteLine("       Quickstart worker --url URL --queue NAME [--concurrency N]");
        Console.Error.WriteLine("       Quickstart enqueue --url URL --queue NAME FUNCTION [JSON] [--key K] [--wait]");
        return 2;
    }
}

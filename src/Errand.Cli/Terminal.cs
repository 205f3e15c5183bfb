using System.Text.Json;
using Spectre.Console;

namespace Errand.Cli;

/// <summary>The command's output: Spectre.Console for people, plain lines and JSON for scripts, errors on stderr.</summary>
/// <remarks>The one place that touches <c>System.Console</c>: the CLI is the only project allowed to (eng/analyzers/BannedSymbols.txt).</remarks>
internal static class Terminal
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true };

#pragma warning disable RS0030 // The CLI writes to the console by design.
    /// <summary>Gets the console for tables and progress bars on stdout; piped output gets 160 columns, not 80, so that job keys and errors fit.</summary>
    public static IAnsiConsole Out { get; } = Create();

    public static void Line(string text) => Console.Out.WriteLine(text);

    public static void Error(string text) => Console.Error.WriteLine(text);

    public static void Json(Action<Utf8JsonWriter> write)
    {
        using (var stream = Console.OpenStandardOutput())
        using (var writer = new Utf8JsonWriter(stream, JsonOptions))
        {
            write(writer);
        }

        Console.Out.WriteLine();
    }

    private static IAnsiConsole Create()
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160;
        }

        return console;
    }
#pragma warning restore RS0030
}

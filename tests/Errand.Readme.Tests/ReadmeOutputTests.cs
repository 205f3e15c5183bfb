namespace Errand.Readme.Tests;

/// <summary>The programs the README runs print what the README shows.</summary>
public sealed class ReadmeOutputTests
{
    [Fact]
    public async Task FirstExample_PrintsWhatTheReadmeShows()
    {
        var shown = ShownOutput("add(1, 2) = ");

        var printed = await Repository.RunSampleAsync("Snippets");

        Assert.Equal(shown, printed.TrimEnd('\n'));
    }

    [Fact]
    public async Task QuickstartDemo_PrintsWhatTheReadmeShows()
    {
        var shown = ShownOutput("add(a=1, b=2)");

        var printed = await Repository.RunSampleAsync("Quickstart");

        Assert.Equal(shown, printed.TrimEnd('\n'));
    }

    // The README's output block that starts with `first`.
    private static string ShownOutput(string first)
    {
        var block = Assert.Single(MarkdownBlocks.Of(Repository.Readme, "text"), b => b.Lines.Length > 0 && b.Lines[0].StartsWith(first, StringComparison.Ordinal));
        return string.Join('\n', block.Lines);
    }
}

namespace Errand.Readme.Tests;

/// <summary>Every C# block of the README is code of this repository, so that it compiles with it (the build) and what it shows exists.</summary>
public sealed class ReadmeCodeTests
{
    /// <summary>A line <c>// ...</c> of a README block stands for any lines of the file (none too).</summary>
    private const string Elision = "// ...";

    [Fact]
    public void EveryCSharpBlock_IsFoundLineForLineInAFileOfSamplesOrTests()
    {
        var blocks = MarkdownBlocks.Of(Repository.Readme, "csharp");
        var files = new[] { "samples", "tests" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => Significant(File.ReadAllLines(f)))
            .ToList();

        Assert.NotEmpty(blocks);
        var missing = blocks
            .Where(block => !files.Any(file => Contains(file, Significant(block.Lines))))
            .Select(block => $"README.md line {block.Line + 1}: {block.Lines.FirstOrDefault(l => l.Trim().Length > 0)?.Trim()}")
            .ToList();
        Assert.True(missing.Count == 0, "C# blocks of the README found in no file of samples/ or tests/ (put each in a file that builds, e.g. samples/Snippets):\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Contains_ElisionStandsForAnyLines_AndOtherLinesMustFollowEachOther()
    {
        string[] file = ["a", "b", "c", "d"];

        Assert.True(Contains(file, ["b", "c"]));
        Assert.True(Contains(file, ["a", Elision, "d"]));
        Assert.True(Contains(file, ["b", Elision, "c"]));
        Assert.False(Contains(file, ["a", "c"]));
        Assert.False(Contains(file, ["c", Elision, "b"]));
    }

    // Lines without their indentation (a block shows a method's body at the left margin), blank lines left out.
    private static string[] Significant(IEnumerable<string> lines) => [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0)];

    private static bool Contains(string[] file, string[] block)
    {
        for (var start = 0; start < file.Length; start++)
        {
            if (MatchesAt(file, start, block, 0))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchesAt(string[] file, int at, string[] block, int index)
    {
        if (index == block.Length)
        {
            return true;
        }

        if (block[index] == Elision)
        {
            for (var next = at; next <= file.Length; next++)
            {
                if (MatchesAt(file, next, block, index + 1))
                {
                    return true;
                }
            }

            return false;
        }

        return at < file.Length && file[at] == block[index] && MatchesAt(file, at + 1, block, index + 1);
    }
}

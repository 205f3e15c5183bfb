namespace Errand.Readme.Tests;

/// <summary>The fenced code blocks of a markdown text.</summary>
internal static class MarkdownBlocks
{
    /// <summary>Returns every block fenced with <c>```LANGUAGE</c>: the line it starts on and its lines.</summary>
    public static IReadOnlyList<(int Line, string[] Lines)> Of(string markdown, string language)
    {
        var blocks = new List<(int, string[])>();
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```" + language)
            {
                continue;
            }

            var start = i + 1;
            var end = start;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            blocks.Add((start, lines[start..end]));
            i = end;
        }

        return blocks;
    }
}

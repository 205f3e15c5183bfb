using System.Globalization;
using System.Text.Json;
using Errand.Backends;

namespace Errand.Cli;

/// <summary>How values look on a terminal: UTC times, short durations, one-line JSON.</summary>
internal static class Formats
{
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Duration(TimeSpan duration) => duration switch
    {
        { TotalSeconds: < 60 } => $"{duration.TotalSeconds:0.#}s".Replace(',', '.'),
        { TotalMinutes: < 60 } => $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s",
        { TotalHours: < 24 } => $"{(int)duration.TotalHours}h{duration.Minutes:00}m",
        _ => $"{(int)duration.TotalDays}d{duration.Hours:00}h",
    };

    public static string Json(JsonElement? value) => value is { } v ? v.GetRawText() : "-";

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Truncate(string? text, int length)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "-";
        }

        var line = text.ReplaceLineEndings(" ");
        return line.Length <= length ? line : string.Concat(line.AsSpan(0, length - 1), "…");
    }

    /// <summary>Reads a string or number property of a worker's free metadata (host, pid, ...).</summary>
    public static string Metadata(WorkerInfo worker, string name) =>
        worker.Metadata is { ValueKind: JsonValueKind.Object } metadata && metadata.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "-" : value.GetRawText()
            : "-";

    /// <summary>Parses <c>--in</c>: <c>90s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, <c>1h30m</c>, or a TimeSpan such as <c>00:05:00</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && text.Contains(':', StringComparison.Ordinal))
        {
            duration = span;
            return span >= TimeSpan.Zero;
        }

        var rest = text.AsSpan().Trim();
        if (rest.IsEmpty)
        {
            return false;
        }

        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || digits == rest.Length || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            var unit = rest.Length > digits + 1 && rest[digits] == 'm' && rest[digits + 1] == 's' ? "ms" : rest.Slice(digits, 1).ToString();
            TimeSpan? part = unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                "d" => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (part is null)
            {
                return false;
            }

            duration += part.Value;

            rest = rest[(digits + unit.Length)..];
        }

        return true;
    }
}

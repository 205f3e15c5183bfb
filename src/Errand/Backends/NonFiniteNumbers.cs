using System.Buffers;
using System.Text.Json;

namespace Errand.Backends;

/// <summary>
/// Carries the bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> that Python's <c>json.dumps</c> writes (SAQ's
/// documents hold them when a float is not finite) through System.Text.Json, which refuses them.
/// </summary>
/// <remarks>
/// On read each bare token outside a string becomes a JSON string of <see cref="Marker"/> and the token; on write each
/// such string in a value position becomes the bare token again, so a document is written back as Python wrote it.
/// U+FDD0 is a noncharacter, set aside by Unicode for a program's internal use: no text of a user holds it.
/// </remarks>
internal static class NonFiniteNumbers
{
    /// <summary>The first character of a string that stands for a non-finite number.</summary>
    public const char Marker = '\uFDD0';

    public const string NaN = "\uFDD0NaN";
    public const string PositiveInfinity = "\uFDD0Infinity";
    public const string NegativeInfinity = "\uFDD0-Infinity";

    /// <summary>Returns the document with each bare non-finite number outside strings quoted with the marker, or <see langword="null"/> when it has none.</summary>
    public static byte[]? Quote(ReadOnlySpan<byte> json)
    {
        ArrayBufferWriter<byte>? quoted = null;
        var copied = 0;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var b = json[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            if (b == (byte)'"')
            {
                inString = true;
                continue;
            }

            var token = b switch
            {
                (byte)'N' => "NaN"u8,
                (byte)'I' => "Infinity"u8,
                (byte)'-' => "-Infinity"u8,
                _ => default,
            };
            if (token.IsEmpty || !json[i..].StartsWith(token))
            {
                continue;
            }

            quoted ??= new ArrayBufferWriter<byte>(json.Length + 32);
            quoted.Write(json[copied..i]);
            quoted.Write("\"\\uFDD0"u8);
            quoted.Write(token);
            quoted.Write("\""u8);
            i += token.Length - 1;
            copied = i + 1;
        }

        if (quoted is null)
        {
            return null;
        }

        quoted.Write(json[copied..]);
        return quoted.WrittenSpan.ToArray();
    }

    /// <summary>Returns what Utf8JsonWriter wrote with each marked string in a value position made a bare token again, or <see langword="null"/> when it has none.</summary>
    /// <remarks>Utf8JsonWriter escapes U+FDD0 as <c>\uFDD0</c>; a quote right after <c>:</c>, <c>,</c> or <c>[</c> opens a value (inside a string a quote is escaped).</remarks>
    public static byte[]? Unquote(ReadOnlySpan<byte> written)
    {
        var opening = "\"\\uFDD0"u8;
        var first = written.IndexOf(opening);
        if (first < 0)
        {
            return null;
        }

        var unquoted = new ArrayBufferWriter<byte>(written.Length);
        var copied = 0;
        for (var at = first; at >= 0 && at < written.Length;)
        {
            var rest = written[(at + opening.Length)..];
            var token = rest.StartsWith("NaN\""u8) ? "NaN"u8
                : rest.StartsWith("Infinity\""u8) ? "Infinity"u8
                : rest.StartsWith("-Infinity\""u8) ? "-Infinity"u8
                : default;
            if (!token.IsEmpty && at > 0 && written[at - 1] is (byte)':' or (byte)',' or (byte)'[')
            {
                unquoted.Write(written[copied..at]);
                unquoted.Write(token);
                copied = at + opening.Length + token.Length + 1;
            }

            var next = written[(at + 1)..].IndexOf(opening);
            at = next < 0 ? -1 : at + 1 + next;
        }

        unquoted.Write(written[copied..]);
        return unquoted.WrittenSpan.ToArray();
    }

    /// <summary>Reads a marked string as the number it stands for.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (reader.ValueTextEquals(NaN))
        {
            value = double.NaN;
        }
        else if (reader.ValueTextEquals(PositiveInfinity))
        {
            value = double.PositiveInfinity;
        }
        else if (reader.ValueTextEquals(NegativeInfinity))
        {
            value = double.NegativeInfinity;
        }
        else
        {
            return false;
        }

        return true;
    }

    /// <summary>Writes a number, a non-finite one as the marked string it was read as (<see cref="Unquote"/> makes it bare).</summary>
    public static void WriteNumber(Utf8JsonWriter writer, ReadOnlySpan<byte> name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteString(name, double.IsNaN(value) ? NaN : value > 0 ? PositiveInfinity : NegativeInfinity);
        }
    }
}

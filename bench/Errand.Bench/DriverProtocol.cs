using System.Text;
using System.Text.Json;

namespace Errand.Bench;

/// <summary>The line protocol between the harness and a driver process; the Hangfire peer compiles this file too.</summary>
internal static class Protocol
{
    public static async Task ReadyAsync()
    {
        Console.Out.WriteLine("@ready");
        Console.Out.Flush();
        var line = await Console.In.ReadLineAsync();
        if (line != "go")
        {
            throw new InvalidOperationException($"expected 'go', got '{line}'");
        }
    }

    /// <summary>Prints the result line: one JSON object of numbers.</summary>
    /// <remarks>
    /// Written with <see cref="Utf8JsonWriter"/>, not <see cref="JsonSerializer"/>: the serializer's first call in a
    /// process builds its reflection metadata (30-80 ms of CPU here), and the harness would count that as the
    /// system's, since it reads the driver's CPU when this line appears.
    /// </remarks>
    public static void Result(params ReadOnlySpan<(string Name, double Value)> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var (name, value) in values)
            {
                json.WriteNumber(name, value);
            }

            json.WriteEndObject();
        }

        WriteLine(buffer);
    }

    /// <summary>Prints the result line: one JSON object holding one array of numbers.</summary>
    public static void Result(string name, IReadOnlyList<double> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray(name);
            foreach (var value in values)
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        WriteLine(buffer);
    }

    public static async Task WaitForCloseAsync()
    {
        while (await Console.In.ReadLineAsync() is not null)
        {
        }
    }

    private static void WriteLine(MemoryStream json)
    {
        Console.Out.WriteLine("@result " + Encoding.UTF8.GetString(json.GetBuffer(), 0, (int)json.Length));
        Console.Out.Flush();
    }
}

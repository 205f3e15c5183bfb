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

    public static void Result(object value)
    {
        Console.Out.WriteLine("@result " + JsonSerializer.Serialize(value));
        Console.Out.Flush();
    }

    public static async Task WaitForCloseAsync()
    {
        while (await Console.In.ReadLineAsync() is not null)
        {
        }
    }
}

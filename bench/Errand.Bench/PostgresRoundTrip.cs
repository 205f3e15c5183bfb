using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Errand.Bench;

/// <summary>
/// The floor of workload C on PostgreSQL: one <c>SELECT 1</c> over a plain socket in the simple query protocol (no
/// client library), paced as the latency jobs are. Trust authentication only, as the harness's server has.
/// </summary>
internal static class PostgresRoundTrip
{
    public static async Task RunAsync(string url, int n)
    {
        var uri = new Uri(url);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(uri.Host, uri.Port);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Startup(Uri.UnescapeDataString(uri.UserInfo), uri.AbsolutePath.TrimStart('/')));
        await ReadUntilReadyAsync(stream);

        var query = Query("SELECT 1");
        var latencies = new double[n];
        await Protocol.ReadyAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System);
        for (var i = 0; i < n; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await stream.WriteAsync(query);
            await ReadUntilReadyAsync(stream);
            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromMilliseconds(2), TimeProvider.System);
        }

        Protocol.Result("latencies_ms", latencies);
    }

    // StartupMessage: length, protocol 3.0, then name/value pairs, each NUL-terminated, and a final NUL.
    private static byte[] Startup(string user, string database)
    {
        var body = Encoding.UTF8.GetBytes($"user\0{user}\0database\0{database}\0\0");
        var message = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, message.Length);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), 3 << 16);
        body.CopyTo(message, 8);
        return message;
    }

    private static byte[] Query(string sql)
    {
        var text = Encoding.UTF8.GetBytes(sql + "\0");
        var message = new byte[5 + text.Length];
        message[0] = (byte)'Q';
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), 4 + text.Length);
        text.CopyTo(message, 5);
        return message;
    }

    // Reads messages up to ReadyForQuery ('Z'); fails on an error ('E') or an authentication request other than "ok".
    private static async Task ReadUntilReadyAsync(NetworkStream stream)
    {
        var header = new byte[5];
        while (true)
        {
            await stream.ReadExactlyAsync(header);
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
            await stream.ReadExactlyAsync(body);
            switch ((char)header[0])
            {
                case 'Z':
                    return;
                case 'E':
                    throw new IOException($"PostgreSQL answered an error: {Encoding.UTF8.GetString(body).Replace('\0', ' ').Trim()}");
                case 'R' when BinaryPrimitives.ReadInt32BigEndian(body) != 0:
                    throw new IOException("PostgreSQL asks for a password; the round trip takes trust authentication only");
            }
        }
    }
}

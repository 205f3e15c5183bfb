namespace Errand.Redis;

/// <summary>The Lua scripts embedded in this assembly, read once.</summary>
/// <remarks>StackExchange.Redis sends a script by EVALSHA once it knows the hash, and falls back to EVAL on NOSCRIPT (after a server restart).</remarks>
internal static class RedisScripts
{
    public static readonly string Enqueue = Load("enqueue");
    public static readonly string Schedule = Load("schedule");
    public static readonly string Quarantine = Load("quarantine");
    public static readonly string Update = Load("update");
    public static readonly string Cycle = Load("limits_lib") + Load("cycle");
    public static readonly string Limits = Load("limits_lib") + Load("limits");
    public static readonly string ListFinished = Load("list_finished");
    public static readonly string PeekActive = Load("peek_active");
    public static readonly string PruneFinished = Load("prune_finished");
    public static readonly string DeleteFinished = Load("delete_finished");

    private static string Load(string name)
    {
        var resource = $"Errand.Redis.Scripts.{name}.lua";
        using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

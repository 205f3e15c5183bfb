using Errand.Redis;

namespace Snippets;

/// <summary>The README's pause and resume of a queue.</summary>
internal static class PauseSnippets
{
    public static async Task PauseAndResumeAsync(string url)
    {
        await using var queue = await RedisQueueFactory.ConnectAsync(url, "emails");
        await queue.PauseAsync();                   // within a second no Errand worker takes its jobs; running ones finish
        await queue.EnqueueAsync("send_email");     // still stored: it waits for the resume
        var paused = await queue.IsPausedAsync();   // true, for every process, until someone resumes it
        await queue.ResumeAsync();                  // idle workers take jobs again at once
    }
}

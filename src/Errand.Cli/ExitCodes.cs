namespace Errand.Cli;

/// <summary>The exit codes of <c>errand</c>; scripts may rely on them (the README lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The job failed or was aborted (<c>enqueue --wait</c>), the queue has no live worker (<c>check</c>), or the job is in a state the command refuses.</summary>
    public const int Failed = 1;

    /// <summary>The command line is not valid.</summary>
    public const int Usage = 2;

    /// <summary>The queue URL is not valid, or of a scheme no backend takes.</summary>
    public const int BadUrl = 3;

    /// <summary>The store (Redis, PostgreSQL) could not be reached, refused the credentials, or did not answer in time.</summary>
    public const int Unreachable = 4;

    /// <summary>No queue of that name is stored there.</summary>
    public const int QueueNotFound = 5;

    /// <summary>No job of that key is stored in the queue.</summary>
    public const int JobNotFound = 6;

    /// <summary>The job arguments are not a JSON object.</summary>
    public const int BadJson = 7;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}

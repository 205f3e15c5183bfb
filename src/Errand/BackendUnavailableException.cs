namespace Errand;

/// <summary>Thrown when the storage backend cannot be reached in time.</summary>
public sealed class BackendUnavailableException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="endpoint">The server, without credentials.</param>
    /// <param name="innerException">The client library's exception.</param>
    public BackendUnavailableException(string endpoint, Exception innerException)
        : this(endpoint, innerException?.Message ?? "no answer", innerException!)
    {
    }

    /// <summary>Initializes a new instance with a reason of its own.</summary>
    /// <param name="endpoint">The server, without credentials.</param>
    /// <param name="reason">Why, in a few words (<c>it refused the credentials</c>); never holds a password.</param>
    /// <param name="innerException">The client library's exception.</param>
    public BackendUnavailableException(string endpoint, string reason, Exception innerException)
        : base($"The queue backend at {endpoint} is unavailable: {reason}", innerException)
    {
        Endpoint = endpoint;
        Reason = reason;
    }

    /// <summary>Gets the server that could not be reached, without credentials.</summary>
    public string Endpoint { get; }

    /// <summary>Gets why, in a few words.</summary>
    public string Reason { get; }
}

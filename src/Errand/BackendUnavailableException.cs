namespace Errand;

/// <summary>Thrown when the storage backend cannot be reached in time.</summary>
public sealed class BackendUnavailableException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="endpoint">The server, without credentials.</param>
    /// <param name="innerException">The client library's exception.</param>
    public BackendUnavailableException(string endpoint, Exception innerException)
        : base($"The queue backend at {endpoint} is unavailable: {innerException?.Message}", innerException)
    {
        Endpoint = endpoint;
    }

    /// <summary>Gets the server that could not be reached, without credentials.</summary>
    public string Endpoint { get; }
}

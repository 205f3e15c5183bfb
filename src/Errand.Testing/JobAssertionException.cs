namespace Errand.Testing;

/// <summary>Thrown by an <see cref="ErrandTester"/> assertion that does not hold; its message lists the jobs the queue holds instead.</summary>
public sealed class JobAssertionException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public JobAssertionException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What was expected, and what the queue holds.</param>
    public JobAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and a cause.</summary>
    /// <param name="message">What was expected, and what the queue holds.</param>
    /// <param name="innerException">The cause.</param>
    public JobAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

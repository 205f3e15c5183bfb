namespace Errand.AspNetCore;

/// <summary>How one service's methods are named as job functions.</summary>
public sealed class JobServiceOptions
{
    /// <summary>Gets or sets the stable name of the service; a job's function is this name, a dot and the method name.</summary>
    /// <value>The default is the type's full name. Set it before renaming or moving the type, so that queued jobs still run.</value>
    public string? ServiceName { get; set; }

    /// <summary>Gets job options by method name, over the method's <see cref="JobAttribute"/>; options passed with a call override both. A method listed here runs as a job even without the attribute.</summary>
    /// <value>The default is none.</value>
    public IDictionary<string, JobOptions> Methods { get; } = new Dictionary<string, JobOptions>(StringComparer.Ordinal);
}

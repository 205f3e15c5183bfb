namespace Errand.Dashboard;

/// <summary>Configures the dashboard mapped by <c>MapErrandDashboard</c>: its queues, who may use it, and whether it may change anything.</summary>
/// <remarks>
/// Secure by default: exactly one of <see cref="AuthorizationPolicy"/>, <see cref="BasicAuthUserName"/> (with
/// <see cref="BasicAuthPassword"/>) or <see cref="AllowAnonymous"/> must be chosen, or mapping throws.
/// </remarks>
public sealed class ErrandDashboardOptions
{
    /// <summary>Gets the queues to show. When empty, <see cref="QueueResolver"/>, else the <see cref="IQueueProvider"/> in DI (which <c>AddErrand</c> registers), else every <see cref="IQueue"/> in DI is used.</summary>
    /// <remarks>Each must be a <see cref="Queue"/> (its backend is read for history and pages) or also implement <see cref="Backends.IQueueMonitor"/>.</remarks>
    public IList<IQueue> Queues { get; } = [];

    /// <summary>Gets or sets a function that returns the queues to show, called once at the first request.</summary>
    /// <value>The default is <see langword="null"/>: <see cref="Queues"/>, the <see cref="IQueueProvider"/> in DI, or every <see cref="IQueue"/> in DI.</value>
    public Func<IServiceProvider, IEnumerable<IQueue>>? QueueResolver { get; set; }

    /// <summary>Gets or sets the name of the authorization policy a user must satisfy; the host must add authentication and authorization.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>Gets or sets the user name of HTTP basic authentication; set <see cref="BasicAuthPassword"/> with it. Use it over HTTPS only.</summary>
    /// <value>The default is <see langword="null"/>: no basic authentication.</value>
    public string? BasicAuthUserName { get; set; }

    /// <summary>Gets or sets the password of HTTP basic authentication.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? BasicAuthPassword { get; set; }

    /// <summary>Gets or sets whether anyone who reaches the dashboard may use it, with no authentication; an explicit choice.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool AllowAnonymous { get; set; }

    /// <summary>Gets the host names (the request's <c>Host</c> header, without its port) the dashboard answers to; any other is refused with 403.</summary>
    /// <value>
    /// The default is empty: an anonymous dashboard reached on a loopback address answers only to <c>localhost</c> and
    /// loopback addresses (<c>127.0.0.1</c>, <c>[::1]</c>), so that a web page whose name re-resolves to 127.0.0.1 (DNS
    /// rebinding) cannot read it; any other dashboard answers to every name. Name the public host here when an
    /// anonymous dashboard is reached through a reverse proxy on the same machine.
    /// </value>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Gets or sets whether the dashboard only shows: the action buttons are hidden and the action endpoints answer 403.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets how often the page asks the API for fresh data.</summary>
    /// <value>The default is 3 seconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets the most jobs one bulk action changes: "retry all failed", or an action on every job that matches a filter.</summary>
    /// <value>The default is 10,000.</value>
    public int MaxBulkRetry { get; set; } = 10_000;

    /// <summary>Gets or sets how many of a status's newest jobs a filter by function or key prefix reads, at most, to find its matches.</summary>
    /// <value>The default is 1,000: a filtered page costs at most five reads of 200 jobs; older matches are not shown.</value>
    public int FilterWindow { get; set; } = 1_000;

    /// <summary>Gets or sets the title shown in the page header.</summary>
    /// <value>The default is <c>Errand</c>.</value>
    public string Title { get; set; } = "Errand";
}

namespace Errand;

/// <summary>Lists every queue of an application, for tools that show or check them all (the dashboard, health checks).</summary>
/// <remarks>Hosting integrations register one in dependency injection; implementations are safe for concurrent use.</remarks>
public interface IQueueCatalog
{
    /// <summary>Gets the application's queues, the default one first.</summary>
    IReadOnlyList<Queue> Queues { get; }
}

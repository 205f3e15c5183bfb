using Errand.Backends;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.Dashboard;

/// <summary>Finds the dashboard's queues once, from the options or from DI, and looks them up by name.</summary>
internal sealed class DashboardQueues(ErrandDashboardOptions options)
{
    private readonly Lock _gate = new();
    private IReadOnlyList<DashboardQueue>? _queues;

    public IReadOnlyList<DashboardQueue> All(IServiceProvider services)
    {
        lock (_gate)
        {
            return _queues ??= Resolve(services);
        }
    }

    public DashboardQueue? Find(IServiceProvider services, string name) =>
        All(services).FirstOrDefault(q => string.Equals(q.Name, name, StringComparison.Ordinal));

    private List<DashboardQueue> Resolve(IServiceProvider services)
    {
        IEnumerable<IQueue> queues = options.Queues.Count > 0
            ? options.Queues
            : options.QueueResolver?.Invoke(services)
                ?? (services.GetService<IQueueProvider>() is { } provider ? provider.Names.Select(provider.Get) : null)
                ?? services.GetServices<IQueue>();
        var list = new List<DashboardQueue>();
        foreach (var queue in queues)
        {
            var monitor = queue switch
            {
                Queue q => q.Backend,
                IQueueMonitor m => m,
                _ => throw new InvalidOperationException(
                    $"The Errand dashboard cannot read queue '{queue.Name}': it is a {queue.GetType().Name}, neither an Errand.Queue nor an IQueueMonitor. Pass the Queue in ErrandDashboardOptions.Queues or QueueResolver."),
            };
            if (list.Exists(q => q.Name == queue.Name))
            {
                continue;
            }

            list.Add(new DashboardQueue(queue.Name, queue, monitor));
        }

        if (list.Count == 0)
        {
            throw new InvalidOperationException("The Errand dashboard has no queue: add them to ErrandDashboardOptions.Queues, set QueueResolver, or register an IQueue.");
        }

        return list;
    }
}

using System.Linq.Expressions;
using Errand.AspNetCore.JobServices;

namespace Errand.AspNetCore;

/// <summary>Enqueues calls of service methods (registered with <c>AddJobService</c>) on a queue created by <c>AddErrand</c>; the worker runs each in a new DI scope.</summary>
/// <remarks>Mistakes (an unknown method, arguments that do not fit, an unregistered service) throw at enqueue time, not in the worker.</remarks>
public static class ServiceJobQueueExtensions
{
    /// <summary>Enqueues the call <paramref name="call"/> of a <typeparamref name="TService"/> method; its arguments are evaluated now and stored by parameter name.</summary>
    /// <typeparam name="TService">A service registered with <c>AddJobService</c>.</typeparam>
    /// <param name="queue">A queue from dependency injection (<see cref="IQueue"/>, or <see cref="IQueueProvider.Get(string)"/>).</param>
    /// <param name="call">A call of one public method, as in <c>s =&gt; s.SendAsync(dto, default)</c>.</param>
    /// <param name="options">Options of this call, over the method's <see cref="JobAttribute"/> and the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The stored job.</returns>
    /// <exception cref="InvalidOperationException">The queue was not created by <c>AddErrand</c>; the service is not registered as a job service, or not in the container; or the method is not a job (neither marked <see cref="JobAttribute"/> nor listed in <see cref="JobServiceOptions.Methods"/>).</exception>
    /// <exception cref="ArgumentException">The expression is not a call of one method of the service, or an argument does not serialize.</exception>
    public static Task<Job> EnqueueAsync<TService>(this IQueue queue, Expression<Func<TService, Task>> call, JobOptions? options = null, CancellationToken cancellationToken = default)
        where TService : class =>
        queue.EnqueueAsync(queue.CreateJob(call, options), cancellationToken);

    /// <summary>Enqueues a call of one of <typeparamref name="TService"/>'s public methods, by name, with named arguments.</summary>
    /// <typeparam name="TService">A service registered with <c>AddJobService</c>.</typeparam>
    /// <param name="queue">A queue from dependency injection (<see cref="IQueue"/>, or <see cref="IQueueProvider.Get(string)"/>).</param>
    /// <param name="methodName">The method's name, as in <c>nameof(AuthorService.SendAsync)</c>.</param>
    /// <param name="args">An object with one property per parameter (<c>new { rawAuthor = dto }</c>), a dictionary, or <see langword="null"/>; <see cref="CancellationToken"/> and <see cref="JobContext"/> parameters are given by the worker.</param>
    /// <param name="options">Options of this call, over the method's <see cref="JobAttribute"/> and the queue's defaults.</param>
    /// <param name="cancellationToken">Cancels the wait for the backend.</param>
    /// <returns>The stored job.</returns>
    /// <exception cref="InvalidOperationException">The queue was not created by <c>AddErrand</c>; the service is not registered as a job service, or not in the container; or the method is not a job.</exception>
    /// <exception cref="ArgumentException">The method is unknown, not public or overloaded, or the arguments do not fit its parameters.</exception>
    public static Task<Job> EnqueueForServiceAsync<TService>(this IQueue queue, string methodName, object? args = null, JobOptions? options = null, CancellationToken cancellationToken = default)
        where TService : class
    {
        var binding = ServiceJobBinding.Of(queue);
        var method = binding.Resolve<TService>().GetMethod(methodName);
        var job = binding.CreateJob(method, method.BuildKwargs(args, binding.JsonOptions), options);
        return queue.EnqueueAsync(job, cancellationToken);
    }

    /// <summary>Builds the job that <see cref="EnqueueAsync{TService}(IQueue, Expression{Func{TService, Task}}, JobOptions?, CancellationToken)"/> would store, without storing it.</summary>
    /// <typeparam name="TService">A service registered with <c>AddJobService</c>.</typeparam>
    /// <param name="queue">A queue from dependency injection (<see cref="IQueue"/>, or <see cref="IQueueProvider.Get(string)"/>).</param>
    /// <param name="call">A call of one public method, as in <c>s =&gt; s.SendAsync(dto, default)</c>.</param>
    /// <param name="options">Options of this call, over the method's <see cref="JobAttribute"/> and the queue's defaults.</param>
    /// <returns>A new job of this queue.</returns>
    /// <exception cref="InvalidOperationException">The queue was not created by <c>AddErrand</c>; the service is not registered as a job service, or not in the container; or the method is not a job.</exception>
    /// <exception cref="ArgumentException">The expression is not a call of one method of the service, or an argument does not serialize.</exception>
    /// <remarks>For enqueues that another component writes: a transaction of the application, an outbox.</remarks>
    public static Job CreateJob<TService>(this IQueue queue, Expression<Func<TService, Task>> call, JobOptions? options = null)
        where TService : class
    {
        var binding = ServiceJobBinding.Of(queue);
        var service = binding.Resolve<TService>();
        var (info, arguments) = JobCallExpression.Read(call);
        var method = service.GetMethod(info.Name);
        return binding.CreateJob(method, method.BuildKwargs(arguments, binding.JsonOptions), options);
    }
}

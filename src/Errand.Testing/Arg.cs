namespace Errand.Testing;

/// <summary>Argument matchers for the service-method assertions of <see cref="ErrandTester"/>, written in place of an argument: <c>s =&gt; s.SendAsync(Arg.Is&lt;AuthorDto&gt;(a =&gt; a.Name == "Ada"), default)</c>.</summary>
/// <remarks>Only meaningful inside an assertion's expression, which is read, never run; calling them elsewhere throws.</remarks>
public static class Arg
{
    /// <summary>Matches any stored value of the parameter.</summary>
    /// <typeparam name="T">The parameter's type.</typeparam>
    /// <returns>Never returns.</returns>
    /// <exception cref="InvalidOperationException">Always: the matcher is read from the expression, not called.</exception>
    public static T Any<T>() => throw NotInAnExpression();

    /// <summary>Matches a stored value that, bound to <typeparamref name="T"/> as the worker would bind it, satisfies <paramref name="predicate"/>.</summary>
    /// <typeparam name="T">The parameter's type.</typeparam>
    /// <param name="predicate">The condition on the bound value.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="InvalidOperationException">Always: the matcher is read from the expression, not called.</exception>
    public static T Is<T>(Func<T, bool> predicate) => throw NotInAnExpression();

    private static InvalidOperationException NotInAnExpression() =>
        new("Arg.Any and Arg.Is match the arguments of an enqueued job inside an ErrandTester assertion's expression; they are never called.");
}

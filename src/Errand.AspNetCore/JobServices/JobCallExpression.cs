using System.Linq.Expressions;
using System.Reflection;

namespace Errand.AspNetCore.JobServices;

/// <summary>Reads <c>s =&gt; s.Method(a, b)</c>: the method called and its arguments, evaluated now.</summary>
internal static class JobCallExpression
{
    public static (MethodInfo Method, IReadOnlyList<(string Name, object? Value)> Arguments) Read(LambdaExpression call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var body = call.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            body = convert.Operand;
        }

        if (body is not MethodCallExpression method || method.Object != call.Parameters[0])
        {
            throw new ArgumentException(
                $"The expression must call one method of the service directly, as in s => s.SendAsync(arg); got {call.Body}.", nameof(call));
        }

        var parameters = method.Method.GetParameters();
        var arguments = new List<(string, object?)>(parameters.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type == typeof(CancellationToken) || type == typeof(JobContext))
            {
                // The worker passes these; whatever the caller wrote (default, CancellationToken.None, null) is not stored.
                continue;
            }

            if (References(method.Arguments[i], call.Parameters[0]))
            {
                throw new ArgumentException($"The argument '{parameters[i].Name}' uses the service itself; arguments are evaluated when the job is enqueued.", nameof(call));
            }

            arguments.Add((parameters[i].Name!, Evaluate(method.Arguments[i])));
        }

        return (method.Method, arguments);
    }

    private static object? Evaluate(Expression expression) => expression switch
    {
        ConstantExpression constant => constant.Value,
        MemberExpression { Member: FieldInfo field, Expression: ConstantExpression target } => field.GetValue(target.Value),
        MemberExpression { Member: FieldInfo { IsStatic: true } field, Expression: null } => field.GetValue(null),
        _ => Expression.Lambda<Func<object?>>(Expression.Convert(expression, typeof(object))).Compile(preferInterpretation: true)(),
    };

    private static bool References(Expression expression, ParameterExpression parameter)
    {
        var finder = new ParameterFinder(parameter);
        finder.Visit(expression);
        return finder.Found;
    }

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node == parameter;
            return node;
        }
    }
}

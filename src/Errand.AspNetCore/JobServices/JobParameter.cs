using System.Reflection;
using System.Text.Json;

namespace Errand.AspNetCore.JobServices;

internal enum JobParameterKind
{
    Value,
    CancellationToken,
    Context,
}

/// <summary>One parameter of a job method: a value stored in kwargs, or one the worker supplies.</summary>
internal sealed class JobParameter
{
    public JobParameter(ParameterInfo info, NullabilityInfoContext nullability)
    {
        Info = info;
        Name = info.Name ?? throw new ArgumentException("A job method's parameters need names.", nameof(info));
        NormalizedName = Normalize(Name);
        Type = info.ParameterType;
        Kind = Type == typeof(CancellationToken) ? JobParameterKind.CancellationToken
            : Type == typeof(JobContext) ? JobParameterKind.Context
            : JobParameterKind.Value;
        AcceptsNull = Type.IsValueType
            ? Nullable.GetUnderlyingType(Type) is not null
            : nullability.Create(info).WriteState != NullabilityState.NotNull;
    }

    public ParameterInfo Info { get; }

    public string Name { get; }

    public string NormalizedName { get; }

    public Type Type { get; }

    public JobParameterKind Kind { get; }

    public bool AcceptsNull { get; }

    /// <summary>Returns a name compared without regard to case or word separators: rawAuthor, RawAuthor and raw_author are one.</summary>
    public static string Normalize(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    /// <summary>Returns the name stored in kwargs: the queue's naming policy applied (snake_case by default, as SAQ reads it).</summary>
    public string JsonName(JsonSerializerOptions json) => json.PropertyNamingPolicy?.ConvertName(Name) ?? Name;
}

namespace Errand.Cli.Tests;

/// <summary>The storage engines the end-to-end tests run on, each a real server.</summary>
public enum Engine
{
    Redis,
    Postgres,
}

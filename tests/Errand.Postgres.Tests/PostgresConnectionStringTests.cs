namespace Errand.Postgres.Tests;

public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void Parse_FullUrl_ReadsEveryPart()
    {
        var builder = PostgresConnectionString.Parse("postgresql://app:p%40ss@db.example:6543/jobs?sslmode=require&application_name=errand");

        Assert.Equal(("db.example", 6543, "jobs", "app", "p@ss"), (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password));
        Assert.Equal(Npgsql.SslMode.Require, builder.SslMode);
        Assert.Equal("errand", builder.ApplicationName);
        Assert.Equal("postgresql://db.example:6543/jobs", PostgresConnectionString.Describe(builder));
    }

    [Fact]
    public void Parse_PostgresSchemeWithoutUserOrPort_TakesTheDefaults()
    {
        var builder = PostgresConnectionString.Parse("postgres://localhost/db");

        Assert.Equal(("localhost", 5432, "db"), (builder.Host, builder.Port, builder.Database));
        Assert.Null(builder.Password);
    }

    [Fact]
    public void Parse_NpgsqlConnectionString_IsTakenAsItIs()
    {
        var builder = PostgresConnectionString.Parse("Host=h;Port=1234;Database=d;Username=u");

        Assert.Equal(("h", 1234, "d", "u"), (builder.Host, builder.Port, builder.Database, builder.Username));
    }

    [Fact]
    public void Parse_BadUrl_NeverRepeatsThePassword()
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Parse("postgresql://u:s3cret@/db?nonsense=1"));

        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }
}

using System.Diagnostics;

namespace Errand.Bench;

/// <summary>pg-boss (bench/peers/pgboss), the Node.js peer of the PostgreSQL run.</summary>
internal sealed class PgBossSystem : BenchSystem
{
    private string _directory = string.Empty;
    private string _version = string.Empty;

    public override string Name => "pgboss";

    public override string Display => "pg-boss";

    public override bool HasBulkEnqueue => true;

    public override string Version => _version;

    public override async Task PrepareAsync(string root)
    {
        _directory = Path.Combine(root, "bench", "peers", "pgboss");
        if (!Directory.Exists(Path.Combine(_directory, "node_modules", "pg-boss")))
        {
            await Console.Error.WriteLineAsync("pgboss: installing from the npm registry (npm ci)");
            await RunAsync("npm", _directory, "ci", "--no-audit", "--no-fund");
        }

        _version = await RunAsync("node", _directory, "-p", "'pg-boss ' + require('pg-boss/package.json').version + ', pg ' + require('pg/package.json').version + ' (node ' + process.version + ')'");
    }

    public override ProcessStartInfo Driver(string role, IEnumerable<string> args) =>
        Start("node", [Path.Combine(_directory, "driver.mjs"), role, .. args]);
}

using Npgsql;
using Workflow.Postgres.Tests.Infrastructure;

namespace Workflow.Postgres.Tests.Runtime;

/// <summary>
/// <c>samples/PostgresDurable</c> as a user runs it: without a connection string it says what to set; with one, two
/// nodes ship every order that a third process starts, in a database of its own.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class MultiNodeSampleTests(ITestOutputHelper output)
{
    private const string Sample = "PostgresDurable";
    private const string ConnectionVariable = "WORKFLOW_POSTGRES";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sample_WithoutConnectionString_ExitsWithAMessageNamingTheVariable()
    {
        await using var sample = WorkerProcess.Launch(Sample, "sample", [], new Dictionary<string, string?> { [ConnectionVariable] = null });

        var exitCode = await sample.WaitForExitAsync(Token);

        Assert.Equal(2, exitCode);
        Assert.Contains(sample.Lines, l => l == $"stderr: {ConnectionVariable} is not set: the sample needs a PostgreSQL database (13 or later) to store its workflows in.");
        Assert.Contains(sample.Lines, l => l.Contains($"export {ConnectionVariable}=\"Host=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sample_TwoNodesAndAStarter_ShipEveryOrderInTheTablesTheStoreCreated()
    {
        const int Orders = 12;
        var admin = PostgresTestEnvironment.RequireConnectionString();
        var database = $"sample_{Guid.NewGuid():N}";
        await ExecuteAsync(admin, $"CREATE DATABASE {database}");
        var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString;
        var processes = new List<WorkerProcess>();
        try
        {
            foreach (var node in new[] { "node-1", "node-2" })
            {
                var process = WorkerProcess.Launch(Sample, node, [], new Dictionary<string, string?> { [ConnectionVariable] = connection, ["WORKFLOW_NODE"] = node });
                processes.Add(process);
                await process.WaitForLineAsync(l => l == $"node {node} runs; Ctrl+C to stop it", "it runs", Token);
            }

            var starter = WorkerProcess.Launch(
                Sample, "starter", ["start", Orders.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string?> { [ConnectionVariable] = connection, ["WORKFLOW_NODE"] = "starter" });
            processes.Add(starter);

            Assert.Equal(0, await starter.WaitForExitAsync(Token));
            Assert.Contains(starter.Lines, l => l == $"all {Orders} orders shipped");
            Assert.Equal(Orders, starter.Count(l => l.Contains(" shipped by ", StringComparison.Ordinal)));

            // Every step ran once (nothing failed, so nothing ran twice), on the nodes: the starter runs none.
            var steps = processes.Sum(p => p.Count(l => l.StartsWith($"{p.NodeId}: ", StringComparison.Ordinal)));
            Assert.Equal(Orders * 3, steps);
            Assert.Equal(0, starter.Count(l => l.StartsWith("starter: ", StringComparison.Ordinal)));
            await using var dataSource = NpgsqlDataSource.Create(connection);
            await using (var tables = dataSource.CreateCommand("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'orders'"))
            {
                Assert.Equal("approvals,events,schema_version,snapshots,streams,subscriptions,work_items", await tables.ExecuteScalarAsync(Token));
            }

            await using (var completed = dataSource.CreateCommand("""SELECT count(DISTINCT stream_id) FROM orders.events WHERE type = 'workflow.completed.v1'"""))
            {
                Assert.Equal((long)Orders, await completed.ExecuteScalarAsync(Token));
            }

            output.WriteLine(string.Join(", ", processes.Select(p => $"{p.NodeId} ran {p.Count(l => l.StartsWith($"{p.NodeId}: ", StringComparison.Ordinal))} step(s)")));
        }
        catch
        {
            foreach (var process in processes)
            {
                output.WriteLine(process.Output);
            }

            throw;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }

            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Token);
    }
}

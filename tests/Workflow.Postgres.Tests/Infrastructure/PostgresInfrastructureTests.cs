using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Workflow.Postgres.Tests.Infrastructure;

public sealed class PostgresDatabaseTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task DataSource_SelectOne_AnswersInsideClassSchema()
    {
        var ct = TestContext.Current.CancellationToken;

        await using var command = database.DataSource.CreateCommand("SELECT 1, current_schema()");
        await using var reader = await command.ExecuteReaderAsync(ct);

        Assert.True(await reader.ReadAsync(ct));
        Assert.Equal(1, reader.GetInt32(0));
        Assert.Equal(database.SchemaName, reader.GetString(1));
        Assert.StartsWith("wf_postgresdatabasetests_", database.SchemaName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SchemaFixture_TableCreatedInOneSchema_IsInvisibleToAnother()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var other = new PostgresDatabase();
        await other.InitializeAsync();
        Assert.NotEqual(database.SchemaName, other.SchemaName);

        await using (var create = database.DataSource.CreateCommand(
            "CREATE TABLE isolation_probe (id int PRIMARY KEY); INSERT INTO isolation_probe VALUES (42)"))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        Assert.Equal($"{database.SchemaName}.isolation_probe", await ResolveTableAsync(database.DataSource, "isolation_probe", ct));
        Assert.Null(await ResolveTableAsync(other.DataSource, "isolation_probe", ct));

        await using var select = other.DataSource.CreateCommand("SELECT id FROM isolation_probe");
        var error = await Assert.ThrowsAsync<PostgresException>(() => select.ExecuteScalarAsync(ct));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, error.SqlState);
    }

    /// <summary>The schema-qualified name the connection's search_path resolves <paramref name="table"/> to, or null.</summary>
    private static async Task<string?> ResolveTableAsync(NpgsqlDataSource dataSource, string table, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
        return await command.ExecuteScalarAsync(ct) as string;
    }
}

[CollectionDefinition(nameof(PrivatePostgresServerCollection), DisableParallelization = true)]
public sealed class PrivatePostgresServerCollection;

[Collection(nameof(PrivatePostgresServerCollection))]
public sealed class PostgresServerTests
{
    [Fact]
    public async Task RestartImmediateAsync_CommittedData_SurvivesAndServerIsCleanedUpOnDispose()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await PostgresServer.StartAsync(ct);
        int port;
        string root;
        try
        {
            port = server.Port;
            root = server.RootDirectory;
            Assert.True(Directory.Exists(server.DataDirectory));

            await using (var before = NpgsqlDataSource.Create(server.ConnectionString))
            {
                await using var write = before.CreateCommand(
                    "CREATE TABLE survivor (id int PRIMARY KEY, note text NOT NULL); INSERT INTO survivor VALUES (1, 'committed')");
                await write.ExecuteNonQueryAsync(ct);
            }

            await server.RestartImmediateAsync(ct);

            await using var after = NpgsqlDataSource.Create(server.ConnectionString);
            await using var read = after.CreateCommand("SELECT note FROM survivor WHERE id = 1");
            Assert.Equal("committed", await read.ExecuteScalarAsync(ct));
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(Directory.Exists(root), $"{root} should be deleted on dispose");
        await AssertNothingListensAsync(port, ct);
    }

    [Fact]
    public async Task StopAsync_RunningServer_RefusesConnectionsAndDisposeStillCleansUp()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = await PostgresServer.StartAsync(ct);
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(server.ConnectionString))
            await using (var ping = dataSource.CreateCommand("SELECT 1"))
            {
                Assert.Equal(1, await ping.ExecuteScalarAsync(ct));
            }

            await server.StopAsync(ct);

            await AssertNothingListensAsync(server.Port, ct);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(Directory.Exists(server.RootDirectory), $"{server.RootDirectory} should be deleted on dispose");
    }

    private static async Task AssertNothingListensAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        var error = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port, ct).AsTask());
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }
}

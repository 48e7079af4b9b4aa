using Microsoft.Extensions.Logging;
using Npgsql;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A class fixture for store tests: the class's schema (<see cref="PostgresDatabase"/>), stores on it or on extra
/// schemas of the same database, and SQL helpers to look at what the store wrote. Everything it created is disposed or
/// dropped after the last test of the class.
/// </summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _extraSchemas = [];

    public PostgresDatabase Database { get; } = new();

    public string Schema => Database.SchemaName;

    /// <summary>Creates a store on <paramref name="schema"/> (the class's schema by default), disposed with the fixture.</summary>
    public PostgresWorkflowStore CreateStore(
        string? schema = null, Action<PostgresWorkflowStoreOptions>? configure = null, NpgsqlDataSource? dataSource = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new PostgresWorkflowStoreOptions { Schema = schema ?? Schema };
        configure?.Invoke(options);
        var store = new PostgresWorkflowStore(dataSource ?? Database.DataSource, options, loggerFactory);
        Own(store);
        return store;
    }

    /// <summary>A data source of its own (its own pool), with <paramref name="applicationName"/> to find its backends by.</summary>
    public NpgsqlDataSource CreateDataSource(string applicationName, Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { ApplicationName = applicationName };
        configure?.Invoke(builder);
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        Own(dataSource);
        return dataSource;
    }

    /// <summary>A fresh schema name in the test database, dropped with the fixture (nothing creates it yet).</summary>
    public string NewSchemaName(string tag)
    {
        var name = $"wf_{tag}_{Guid.NewGuid():N}";
        lock (_extraSchemas)
        {
            _extraSchemas.Add(name);
        }

        return name;
    }

    /// <summary>Runs a query with positional parameters and returns the first column of the first row.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var value = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Ends every backend connected with <paramref name="applicationName"/>, as a crash or a network cut would.</summary>
    public async Task<int> TerminateBackendsAsync(string applicationName) =>
        (int)(await ScalarAsync<long>(
            """
            WITH targets AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid())
            SELECT count(*) FROM targets WHERE pg_terminate_backend(pid)
            """,
            applicationName));

    public void Own(IAsyncDisposable disposable)
    {
        lock (_owned)
        {
            _owned.Add(disposable);
        }
    }

    public ValueTask InitializeAsync() => Database.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (PostgresTestEnvironment.ConnectionString is { } admin)
        {
            await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Pooling = false }.ConnectionString);
            foreach (var schema in _extraSchemas)
            {
                await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
        }

        await Database.DisposeAsync();
    }
}

using System.Text;
using Npgsql;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A class fixture that gives each test class its own schema in the shared test database
/// (<c>WORKFLOW_TEST_POSTGRES</c>), as Marten does: the schema is created before the first test of the class
/// and dropped after the last one, and <see cref="DataSource"/> connects with <c>search_path</c> set to it.
/// </summary>
/// <remarks>
/// When no database is configured, initialization does nothing and the first use of <see cref="DataSource"/>
/// or <see cref="ConnectionString"/> skips the test at run time (fails it when <c>CI=true</c>).
/// </remarks>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private const int MaxIdentifierLength = 63;

    private string? _connectionString;
    private NpgsqlDataSource? _dataSource;

    public PostgresDatabase()
    {
        SchemaName = CreateSchemaName(TestContext.Current.TestClass?.TestClassSimpleName);
    }

    /// <summary>The schema owned by this fixture (a lower-case identifier, unique per fixture instance).</summary>
    public string SchemaName { get; }

    /// <summary>A data source whose connections use <see cref="SchemaName"/> as their only schema.</summary>
    public NpgsqlDataSource DataSource
    {
        get
        {
            EnsureAvailable();
            return _dataSource!;
        }
    }

    /// <summary>A connection string whose <c>search_path</c> is <see cref="SchemaName"/>, to build other data sources with.</summary>
    public string ConnectionString
    {
        get
        {
            EnsureAvailable();
            return _connectionString!;
        }
    }

    /// <summary>Builds a separate data source on this schema (for example with <c>EnableDynamicJson</c>); the caller disposes it.</summary>
    public NpgsqlDataSource CreateDataSource(Action<NpgsqlDataSourceBuilder>? configure = null)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        configure?.Invoke(builder);
        return builder.Build();
    }

    public async ValueTask InitializeAsync()
    {
        var adminConnectionString = PostgresTestEnvironment.ConnectionString;
        if (adminConnectionString is null)
        {
            return;
        }

        await ExecuteAdminAsync(adminConnectionString, $"CREATE SCHEMA {QuotedSchema}");

        _connectionString = new NpgsqlConnectionStringBuilder(adminConnectionString)
        {
            SearchPath = SchemaName,
            ApplicationName = SchemaName,
        }.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(_connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is null)
        {
            return;
        }

        await _dataSource.DisposeAsync();
        _dataSource = null;
        await ExecuteAdminAsync(PostgresTestEnvironment.ConnectionString!, $"DROP SCHEMA IF EXISTS {QuotedSchema} CASCADE");
    }

    private string QuotedSchema => $"\"{SchemaName}\"";

    private void EnsureAvailable()
    {
        PostgresTestEnvironment.RequireConnectionString();
        ObjectDisposedException.ThrowIf(_dataSource is null && _connectionString is not null, this);
        if (_dataSource is null)
        {
            throw new InvalidOperationException($"{nameof(PostgresDatabase)} was used before {nameof(InitializeAsync)}; use it as a class fixture or call {nameof(InitializeAsync)} first.");
        }
    }

    private static async Task ExecuteAdminAsync(string connectionString, string sql)
    {
        // Pooling is off so that no idle admin connection outlives the fixture.
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static string CreateSchemaName(string? testClassName)
    {
        var suffix = "_" + Guid.NewGuid().ToString("N")[..8];
        var name = new StringBuilder("wf_");
        foreach (var c in (testClassName ?? "fixture").ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        var maxPrefix = MaxIdentifierLength - suffix.Length;
        var prefix = name.Length > maxPrefix ? name.ToString(0, maxPrefix) : name.ToString();
        return prefix + suffix;
    }
}

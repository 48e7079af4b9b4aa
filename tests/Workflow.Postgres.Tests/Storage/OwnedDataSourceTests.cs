using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Tests.Infrastructure;

namespace Workflow.Postgres.Tests.Storage;

/// <summary>The data source a store builds from a connection string.</summary>
public sealed class OwnedDataSourceTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BuiltDataSource_ReusesAPooledConnectionWithoutResettingItsSession()
    {
        var single = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { MaxPoolSize = 1 }.ConnectionString;
        await using var dataSource = StoreExecutor.BuildDataSource(single, "owned-test", NullLoggerFactory.Instance);

        await using (var first = await dataSource.OpenConnectionAsync(Token))
        {
            await using var set = new NpgsqlCommand("SET application_name = 'kept-session'", first);
            await set.ExecuteNonQueryAsync(Token);
        }

        // The pool's only connection again: a reset on close (DISCARD ALL) would have put the setting back.
        await using var second = await dataSource.OpenConnectionAsync(Token);
        await using var show = new NpgsqlCommand("SHOW application_name", second);
        Assert.Equal("kept-session", await show.ExecuteScalarAsync(Token));
    }
}

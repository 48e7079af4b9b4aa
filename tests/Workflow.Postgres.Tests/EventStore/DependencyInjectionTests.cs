using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class AddPostgresEventStoreTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddPostgresEventStore_ConnectionStringOrDataSource_ResolvesOneStoreOnTheConfiguredSchema()
    {
        var schema = fixture.NewSchemaName("di");
        var fromString = new ServiceCollection().AddPostgresEventStore(fixture.Database.ConnectionString, o => o.Schema = schema).BuildServiceProvider();
        await using var fromStringScope = fromString;
        var fromDataSource = new ServiceCollection().AddPostgresEventStore(fixture.Database.DataSource, o => o.Schema = schema).BuildServiceProvider();
        await using var fromDataSourceScope = fromDataSource;

        var first = fromString.GetRequiredService<PostgresEventStore>();
        var second = fromDataSource.GetRequiredService<PostgresEventStore>();
        var id = NewStream("di");
        await first.AppendAsync(id, ExpectedVersion.NoStream, [Event()], Token);

        Assert.Same(first, fromString.GetRequiredService<PostgresEventStore>());
        Assert.Equal(schema, first.Schema);
        Assert.Single(await second.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
    }

    [Fact]
    public void AddPostgresEventStore_InvalidSchema_FailsOptionsValidationNamingTheProblem()
    {
        using var services = new ServiceCollection().AddPostgresEventStore("Host=127.0.0.1", o => o.Schema = "bad schema; --").BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<PostgresEventStore>());

        Assert.Contains("Schema", error.Message, StringComparison.Ordinal);
    }
}

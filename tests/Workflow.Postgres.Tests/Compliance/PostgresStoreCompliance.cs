using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.Store.Compliance;

namespace Workflow.Postgres.Tests.Compliance;

/// <summary>The contract suite on PostgreSQL: a schema of its own per test class, the database clock (the server is
/// local, so the local clock at PostgreSQL's microsecond precision), one-second leases waited out in real time.</summary>
public sealed class PostgresStoreFixture : IWorkflowStoreFixture, IAsyncLifetime
{
    private readonly PostgresDatabase _database = new();
    private readonly List<PostgresWorkflowStore> _stores = [];

    public DateTimeOffset Now => StoreClock.Now;

    public TimeSpan ShortLease => TimeSpan.FromSeconds(1);

    public ValueTask<IWorkflowStore> CreateStoreAsync()
    {
        var store = new PostgresWorkflowStore(_database.DataSource, new PostgresWorkflowStoreOptions { Schema = _database.SchemaName });
        lock (_stores)
        {
            _stores.Add(store);
        }

        return new(store);
    }

    public Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan step, string what) =>
        StoreClock.EventuallyAsync(condition, step, what, TestContext.Current.CancellationToken);

    public ValueTask InitializeAsync() => _database.InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await _database.DisposeAsync();
    }
}

public sealed class PostgresStoreCompliance(PostgresStoreFixture fixture)
    : WorkflowStoreCompliance<PostgresStoreFixture>(fixture), IClassFixture<PostgresStoreFixture>;

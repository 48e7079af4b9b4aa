using Npgsql;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using static Workflow.Postgres.Tests.EventStore.EventStores;
using static Workflow.Postgres.Tests.EventStore.SubscriptionTests;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class ProjectionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Projection_HandlerFailsMidBatch_RollsBackItsWritesAndAppliesEveryEventExactlyOnce()
    {
        var schema = fixture.NewSchemaName("proj");
        var store = Create(fixture, schema);
        await store.MigrateAsync(Token);
        await CreateReadModelAsync(schema);
        var events = await AppendAsync(store, 6);
        var failOn = events[3];
        var failures = 0;
        var options = new EventSubscriptionOptions { BatchSize = 4, RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5) };

        await using (var projection = await store.StartProjectionAsync(
            "counts",
            async (context, e, ct) =>
            {
                await ApplyAsync(schema, context, e, ct);
                if (e.EventId == failOn && Interlocked.Increment(ref failures) <= 2)
                {
                    throw new InvalidOperationException("transient handler failure after writing");
                }
            },
            options,
            Token))
        {
            var end = await LastPositionAsync(store, events);
            await EventuallyAsync(async () => await store.GetCheckpointAsync("counts", Token) == end, "the projection caught up");
        }

        var applied = await ReadModelAsync(schema);

        Assert.Equal(3, failures);
        Assert.Equal(events.Order(), applied.Keys.Order());
        Assert.All(applied.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task Projection_ConsumersCompeteAndRestart_EveryEventAppliedExactlyOnce()
    {
        var schema = fixture.NewSchemaName("proj_many");
        var first = Create(fixture, schema);
        var second = Create(fixture, schema);
        await first.MigrateAsync(Token);
        await CreateReadModelAsync(schema);
        var options = new EventSubscriptionOptions { BatchSize = 3, LeaseDuration = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromMilliseconds(20) };
        Func<ProjectionContext, StoredEvent, CancellationToken, ValueTask> apply = (context, e, ct) => ApplyAsync(schema, context, e, ct);

        var a = await first.StartProjectionAsync("many", apply, options, Token);
        await using var b = await second.StartProjectionAsync("many", apply, options, Token);
        var events = new List<Guid>(await AppendAsync(first, 10));
        await a.DisposeAsync();
        events.AddRange(await AppendAsync(second, 10));
        await using var c = await first.StartProjectionAsync("many", apply, options, Token);
        events.AddRange(await AppendAsync(first, 10));
        var end = await LastPositionAsync(first, [.. events]);
        await EventuallyAsync(async () => await first.GetCheckpointAsync("many", Token) == end, "the projection caught up");

        var applied = await ReadModelAsync(schema);

        Assert.Equal(events.Order(), applied.Keys.Order());
        Assert.All(applied.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task Projection_ConnectionKilledMidTransaction_RollsBackAndAppliesEveryEventExactlyOnce()
    {
        var schema = fixture.NewSchemaName("proj_kill");
        var application = "proj-kill-" + Guid.NewGuid().ToString("N")[..12];
        var store = Create(fixture, schema, dataSource: fixture.CreateDataSource(application));
        await store.MigrateAsync(Token);
        await CreateReadModelAsync(schema);
        var events = await AppendAsync(store, 5);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new EventSubscriptionOptions { RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5) };

        await using var projection = await store.StartProjectionAsync(
            "killed",
            async (context, e, ct) =>
            {
                await ApplyAsync(schema, context, e, ct);
                if (e.EventId == events[2] && inside.TrySetResult())
                {
                    // The first pass holds its transaction (with three events written) open until the test killed it.
                    await resume.Task.WaitAsync(ct);
                }
            },
            options,
            Token);
        await inside.Task.WaitAsync(StoreClock.Cap, Token);
        var killed = await fixture.TerminateBackendsAsync(application);
        resume.SetResult();
        var end = await LastPositionAsync(store, events);
        await EventuallyAsync(async () => await store.GetCheckpointAsync("killed", Token) == end, "the projection caught up");

        var applied = await ReadModelAsync(schema);

        Assert.True(killed >= 1);
        Assert.Equal(events.Order(), applied.Keys.Order());
        Assert.All(applied.Values, count => Assert.Equal(1, count));
    }

    private async Task CreateReadModelAsync(string schema)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(
            $"CREATE TABLE \"{schema}\".read_model (event_id uuid PRIMARY KEY, applied int NOT NULL)");
        await command.ExecuteNonQueryAsync(Token);
    }

    private static async ValueTask ApplyAsync(string schema, ProjectionContext context, StoredEvent e, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"INSERT INTO \"{schema}\".read_model (event_id, applied) VALUES ($1, 1) ON CONFLICT (event_id) DO UPDATE SET applied = read_model.applied + 1",
            context.Connection,
            context.Transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = e.EventId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<Dictionary<Guid, int>> ReadModelAsync(string schema)
    {
        await using var command = fixture.Database.DataSource.CreateCommand($"SELECT event_id, applied FROM \"{schema}\".read_model");
        await using var reader = await command.ExecuteReaderAsync(Token);
        var rows = new Dictionary<Guid, int>();
        while (await reader.ReadAsync(Token))
        {
            rows.Add(reader.GetGuid(0), reader.GetInt32(1));
        }

        return rows;
    }
}

using Npgsql;
using Workflow.Postgres.Schema;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Storage;

public sealed class IsolationTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrate_LockOfOneSchemaHeld_AnotherSchemaMigratesWhileTheFirstWaits()
    {
        var locked = fixture.NewSchemaName("locked");
        var free = fixture.NewSchemaName("free");
        var key = SchemaName.Create(locked, "schema").MigrationLockKey;
        Assert.NotEqual(key, SchemaName.Create(free, "schema").MigrationLockKey);

        // Another node is migrating the first schema: it holds that schema's advisory lock.
        await using var connection = await fixture.Database.DataSource.OpenConnectionAsync(Token);
        await using var transaction = await connection.BeginTransactionAsync(Token);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = key });
            await take.ExecuteNonQueryAsync(Token);
        }

        var waiting = fixture.CreateStore(locked).MigrateAsync(Token).AsTask();
        await fixture.CreateStore(free).MigrateAsync(Token).AsTask().WaitAsync(StoreClock.Cap, Token);

        Assert.False(waiting.IsCompleted, "the first schema's migration waits for its own lock");
        await transaction.CommitAsync(Token);
        await waiting.WaitAsync(StoreClock.Cap, Token);
    }

    [Fact]
    public async Task Commit_SameInstanceIdOnTwoSchemas_SharesNoStreamInstanceOrWorkItem()
    {
        var (schemaA, schemaB) = (fixture.NewSchemaName("iso_a"), fixture.NewSchemaName("iso_b"));
        var a = fixture.CreateStore(schemaA);
        var b = fixture.CreateStore(schemaB);
        const string Id = "same-id";
        var now = StoreClock.Now;

        await a.CommitAsync(new WorkflowCommit
        {
            InstanceId = Id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [Event(), Event()],
            Instance = new WorkflowInstanceInfo { InstanceId = Id, WorkflowName = "isolated", WorkflowVersion = 1, Status = WorkflowStatus.Running, CreatedAt = now, UpdatedAt = now },
            Schedule = [new ScheduledWork(Id)],
        }, Token);
        var inB = await b.CommitAsync(new WorkflowCommit { InstanceId = Id, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] }, Token);

        Assert.Equal(CommitStatus.Committed, inB.Status);
        Assert.Single(await b.ReadStreamAsync(Id, 1, ReadDirection.Forward, 100, Token));
        Assert.Equal(2, (await a.ReadStreamAsync(Id, 1, ReadDirection.Forward, 100, Token)).Count);
        Assert.Null(await b.GetInstanceAsync(Id, Token));
        Assert.Empty((await b.QueryInstancesAsync(new WorkflowInstanceQuery { WorkflowName = "isolated" }, Token)).Instances);
        Assert.Empty(await b.ClaimAsync("node-b", 1000, TimeSpan.FromMinutes(1), Token));
        Assert.Single(await a.ClaimAsync("node-a", 1000, TimeSpan.FromMinutes(1), Token), l => l.InstanceId == Id);
    }

    [Fact]
    public async Task WatchStream_AppendOnAnotherSchema_IsNeverNotified()
    {
        var (schemaA, schemaB) = (fixture.NewSchemaName("note_a"), fixture.NewSchemaName("note_b"));
        const string Id = "watched";

        // Polling so rare that only a notification can wake these watches within the test's cap.
        static void Configure(PostgresWorkflowStoreOptions o) => o.WatchPollInterval = TimeSpan.FromMinutes(10);
        var writerA = fixture.CreateStore(schemaA, Configure);
        var watcherA = fixture.CreateStore(schemaA, Configure);
        var writerB = fixture.CreateStore(schemaB, Configure);
        var watcherB = fixture.CreateStore(schemaB, Configure);
        await writerA.MigrateAsync(Token);
        await writerB.MigrateAsync(Token);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seenA = FirstEventAsync(watcherA, Id, stop.Token);
        var seenB = FirstEventAsync(watcherB, Id, stop.Token);
        await watcherA.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        await watcherB.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);

        // A's notification reaches A's watcher; by then it was delivered to every session listening on A's channel.
        var appendedA = await writerA.CommitAsync(Append(Id), Token);
        var recordedA = await seenA.WaitAsync(StoreClock.Cap, Token);
        var heardByB = watcherB.Notifications.Received;
        var appendedB = await writerB.CommitAsync(Append(Id), Token);
        var recordedB = await seenB.WaitAsync(StoreClock.Cap, Token);

        Assert.Equal(appendedA.Status, appendedB.Status);
        Assert.NotEqual(watcherA.Notifications.NotificationChannel, watcherB.Notifications.NotificationChannel);
        Assert.NotEqual(recordedA.EventId, recordedB.EventId);
        Assert.Equal(0, heardByB);
        Assert.Equal(1, watcherB.Notifications.Received);
        await stop.CancelAsync();
    }

    private static async Task<RecordedEvent> FirstEventAsync(IWorkflowStore store, string id, CancellationToken cancellationToken)
    {
        await foreach (var recorded in store.WatchStreamAsync(id, 1, cancellationToken))
        {
            return recorded;
        }

        throw new InvalidOperationException("The watch ended.");
    }

    private static WorkflowCommit Append(string id) => new() { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] };

    private static EventData Event() => new(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray());
}

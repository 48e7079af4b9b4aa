using Workflow.Postgres.Schema;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Schema;

public sealed class MigrationTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MigrateAsync_TwiceAndFromASecondStore_IsIdempotentAndRecordsTheVersion()
    {
        var schema = fixture.NewSchemaName("twice");
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TestLogging.Factory(logs);
        var first = fixture.CreateStore(schema, loggerFactory: loggerFactory);
        var second = fixture.CreateStore(schema, loggerFactory: loggerFactory);

        await first.MigrateAsync(Token);
        await first.MigrateAsync(Token);
        await second.MigrateAsync(Token);

        await AssertRecordedVersionsAsync(schema, [.. Migrations.All.Select(m => m.Version)]);
        Assert.Equal(1, logs.Entries.Count(e => e.EventId.Id == 2000));
        Assert.Equal(3L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN ('streams', 'events', 'work_items')", schema));
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'apply_commit'", schema));

        // The commit function plans its statements once per session, not on every call (migration 4).
        Assert.Equal(1L, await fixture.ScalarAsync<long>(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = 'apply_commit' AND 'plan_cache_mode=force_generic_plan' = ANY (p.proconfig)", schema));
    }

    [Fact]
    public async Task Commit_EightStoresFirstUsingAFreshSchemaAtOnce_CreateItOnceWithoutErrors()
    {
        var schema = fixture.NewSchemaName("race");
        var stores = Enumerable.Range(0, 8).Select(_ => fixture.CreateStore(schema)).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var racers = stores.Select((store, i) => Task.Run(async () =>
        {
            await start.Task;
            return await store.CommitAsync(new WorkflowCommit { InstanceId = $"race-{i}", ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] }, Token);
        }, Token)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(racers);

        Assert.Equal(8, results.Count(r => r.Status == CommitStatus.Committed));
        await AssertRecordedVersionsAsync(schema, [.. Migrations.All.Select(m => m.Version)]);
        Assert.Equal(8L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".events"));
    }

    [Fact]
    public async Task GetInstance_AutoMigrateOffOnAFreshSchema_ThrowsWithTheFixUntilMigrateAsyncRuns()
    {
        var schema = fixture.NewSchemaName("manual");
        var store = fixture.CreateStore(schema, o => o.AutoMigrate = false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.GetInstanceAsync("x", Token));
        var schemaBeforeMigration = await fixture.ScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema);
        await store.MigrateAsync(Token);
        var afterMigration = await store.CommitAsync(new WorkflowCommit { InstanceId = "x", ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] }, Token);

        Assert.Contains($"'{schema}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MigrateAsync", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, schemaBeforeMigration);
        Assert.Equal(CommitStatus.Committed, afterMigration.Status);
        await AssertRecordedVersionsAsync(schema, [.. Migrations.All.Select(m => m.Version)]);
    }

    [Fact]
    public async Task Commit_SchemaDroppedUnderTheStore_CreatesItAgain()
    {
        var schema = fixture.NewSchemaName("dropped");
        var store = fixture.CreateStore(schema);
        await store.CommitAsync(new WorkflowCommit { InstanceId = "before", ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] }, Token);

        await fixture.ScalarAsync<object>($"DROP SCHEMA \"{schema}\" CASCADE");
        var after = await store.CommitAsync(new WorkflowCommit { InstanceId = "after", ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] }, Token);

        Assert.Equal(CommitStatus.Committed, after.Status);
        Assert.Single(await store.ReadStreamAsync("after", 1, ReadDirection.Forward, 10, Token));
        await AssertRecordedVersionsAsync(schema, [.. Migrations.All.Select(m => m.Version)]);
    }

    [Fact]
    public async Task MigrateAsync_SchemaCreatedEmptyByAnAdministrator_AddsTheTables()
    {
        var schema = fixture.NewSchemaName("precreated");
        await fixture.ScalarAsync<object>($"CREATE SCHEMA \"{schema}\"");
        var store = fixture.CreateStore(schema);

        await store.MigrateAsync(Token);

        await AssertRecordedVersionsAsync(schema, [.. Migrations.All.Select(m => m.Version)]);
    }

    private async Task AssertRecordedVersionsAsync(string schema, params int[] expected)
    {
        var versions = await VersionsAsync(schema);
        Assert.Equal(expected, versions);
    }

    private async Task<int[]> VersionsAsync(string schema)
    {
        await using var command = fixture.Database.DataSource.CreateCommand($"SELECT version FROM \"{schema}\".schema_version ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync(Token);
        var versions = new List<int>();
        while (await reader.ReadAsync(Token))
        {
            versions.Add(reader.GetInt32(0));
        }

        return [.. versions];
    }

    private static EventData Event() => new(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray());
}

using Workflow.Postgres.Operations;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Operations;

public sealed class PurgeTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly DateTimeOffset LongAgo = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Cutoff = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Purge_EndedBeforeTheCutoff_RemovesTheJournalAndIndexEntryOfExactlyThose()
    {
        var schema = fixture.NewSchemaName("purge");
        var store = fixture.CreateStore(schema);
        var completed = await AddAsync(store, WorkflowStatus.Completed, LongAgo);
        var failed = await AddAsync(store, WorkflowStatus.Failed, LongAgo);
        var recent = await AddAsync(store, WorkflowStatus.Completed, Cutoff.AddDays(1));
        var running = await AddAsync(store, WorkflowStatus.Running, null);
        var withWork = await AddAsync(store, WorkflowStatus.Canceled, LongAgo, scheduled: true);

        var purged = await store.PurgeEndedInstancesAsync(Cutoff, cancellationToken: Token);

        Assert.Equal(2, purged);
        foreach (var gone in new[] { completed, failed })
        {
            Assert.Null(await store.GetInstanceAsync(gone, Token));
            Assert.Empty(await store.ReadStreamAsync(gone, 1, ReadDirection.Forward, 100, Token));
            Assert.Equal(0, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".events WHERE stream_id = $1", gone));
        }

        foreach (var kept in new[] { recent, running, withWork })
        {
            Assert.NotNull(await store.GetInstanceAsync(kept, Token));
            Assert.Equal(2, (await store.ReadStreamAsync(kept, 1, ReadDirection.Forward, 100, Token)).Count);
        }

        Assert.Equal(0, await store.PurgeEndedInstancesAsync(Cutoff, cancellationToken: Token));
    }

    [Fact]
    public async Task Purge_InSmallBatchesWithAnArchive_ArchivesEachWholeJournalBeforeRemovingIt()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("archive"));
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await AddAsync(store, WorkflowStatus.Completed, LongAgo.AddMinutes(i)));
        }

        var archived = new List<ArchivedInstance>();
        var purged = await store.PurgeEndedInstancesAsync(Cutoff, new InstancePurgeOptions
        {
            BatchSize = 2,
            Archive = (instance, _) =>
            {
                archived.Add(instance);
                return ValueTask.CompletedTask;
            },
        }, Token);

        Assert.Equal(5, purged);
        Assert.Equal(ids, archived.Select(a => a.Instance.InstanceId));
        Assert.All(archived, a => Assert.Equal([1L, 2L], a.Events.Select(e => e.Version)));
        Assert.All(archived, a => Assert.Equal(WorkflowStatus.Completed, a.Instance.Status));
    }

    [Fact]
    public async Task Purge_ArchiveThrows_StopsAndKeepsTheInstanceItCouldNotArchive()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("archive_fails"));
        var first = await AddAsync(store, WorkflowStatus.Completed, LongAgo);
        var second = await AddAsync(store, WorkflowStatus.Completed, LongAgo.AddMinutes(1));
        var calls = 0;

        var error = await Assert.ThrowsAsync<IOException>(async () => await store.PurgeEndedInstancesAsync(Cutoff, new InstancePurgeOptions
        {
            Archive = (instance, _) => ++calls == 2 ? throw new IOException("the archive is full") : ValueTask.CompletedTask,
        }, Token));

        Assert.Equal("the archive is full", error.Message);
        Assert.NotNull(await store.GetInstanceAsync(first, Token));
        Assert.NotNull(await store.GetInstanceAsync(second, Token));
    }

    [Fact]
    public async Task Purge_ByWorkflowName_LeavesOtherWorkflows()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("by_name"));
        var billing = await AddAsync(store, WorkflowStatus.Completed, LongAgo, workflowName: "billing");
        var shipping = await AddAsync(store, WorkflowStatus.Completed, LongAgo, workflowName: "shipping");

        Assert.Equal(1, await store.PurgeEndedInstancesAsync(Cutoff, new InstancePurgeOptions { WorkflowName = "billing" }, Token));

        Assert.Null(await store.GetInstanceAsync(billing, Token));
        Assert.NotNull(await store.GetInstanceAsync(shipping, Token));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(10_001, null)]
    [InlineData(10, "")]
    [InlineData(10, "nul\0name")]
    public async Task Purge_InvalidOptions_ThrowsAndRemovesNothing(int batchSize, string? workflowName)
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("bad_purge"));
        var id = await AddAsync(store, WorkflowStatus.Completed, LongAgo);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.PurgeEndedInstancesAsync(
            Cutoff, new InstancePurgeOptions { BatchSize = batchSize, WorkflowName = workflowName }, Token));

        Assert.Equal("options", error.ParamName);
        Assert.NotNull(await store.GetInstanceAsync(id, Token));
    }

    private static async Task<string> AddAsync(
        PostgresWorkflowStore store, WorkflowStatus status, DateTimeOffset? endedAt, bool scheduled = false, string workflowName = "purgeable")
    {
        var id = $"{workflowName}-{Guid.NewGuid():N}";
        var created = (endedAt ?? LongAgo).AddMinutes(-5);
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "test.started.v1", "{}"u8.ToArray())],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = id,
                WorkflowName = workflowName,
                WorkflowVersion = 1,
                Status = WorkflowStatus.Running,
                CreatedAt = created,
                UpdatedAt = created,
            },
        }, Token);

        // The second commit ends it (or keeps it running), at the given time, with work still scheduled if asked.
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = [new EventData(Guid.NewGuid(), "test.ended.v1", "{}"u8.ToArray())],
            Schedule = scheduled ? [new ScheduledWork(id, StoreClock.Now.AddDays(1))] : [],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = id,
                WorkflowName = workflowName,
                WorkflowVersion = 1,
                Status = status,
                CreatedAt = created,
                UpdatedAt = endedAt ?? created,
                CompletedAt = endedAt,
            },
        }, Token);
        return id;
    }
}

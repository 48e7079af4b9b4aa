using Workflow.Storage;
using Xunit;

namespace Workflow.Store.Compliance;

public abstract partial class WorkflowStoreCompliance<TFixture>
{
    [Fact]
    public virtual async Task Instance_IndexEntry_IsStoredWithItsCommitAndReplaced()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        var created = Fixture.Now;
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = Events(1),
            Instance = Info(id, "orders", WorkflowStatus.Running, created),
        }, Token);
        var running = await store.GetInstanceAsync(id, Token);

        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = Events(1),
            Instance = Info(id, "orders", WorkflowStatus.Completed, created, completedAt: created + TimeSpan.FromSeconds(3)),
        }, Token);
        var completed = await store.GetInstanceAsync(id, Token);

        Assert.Equal(WorkflowStatus.Running, running!.Status);
        Assert.Equal("orders", running.WorkflowName);
        Assert.Equal(2, running.WorkflowVersion);
        Assert.Equal(WorkflowStatus.Completed, completed!.Status);
        Assert.Equal(created + TimeSpan.FromSeconds(3), completed.CompletedAt);
        Assert.Null(await store.GetInstanceAsync(NewId(), Token));
    }

    [Fact]
    public virtual async Task Instance_RejectedCommit_LeavesTheIndexEntry()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = Events(1),
            Instance = Info(id, "orders", WorkflowStatus.Running, Fixture.Now),
        }, Token);

        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(7),
            Events = Events(1),
            Instance = Info(id, "orders", WorkflowStatus.Failed, Fixture.Now),
        }, Token);

        Assert.Equal(WorkflowStatus.Running, (await store.GetInstanceAsync(id, Token))!.Status);
    }

    [Fact]
    public virtual async Task QueryInstances_FiltersAndPagesNewestFirstWithoutGapsOrDuplicates()
    {
        var store = await Fixture.CreateStoreAsync();
        var name = "query-" + Guid.NewGuid().ToString("N")[..8];
        var start = Fixture.Now;
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            var id = $"{name}-{i:00}";
            ids.Add(id);
            var status = i % 5 == 0 ? WorkflowStatus.Failed : WorkflowStatus.Running;

            // Pairs share a creation time, so paging must order ties by id too.
            await store.CommitAsync(new WorkflowCommit
            {
                InstanceId = id,
                ExpectedVersion = ExpectedVersion.NoStream,
                Events = Events(1),
                Instance = Info(id, name, status, start + TimeSpan.FromSeconds(i / 2)),
            }, Token);
        }

        var pages = new List<WorkflowInstancePage>();
        var query = new WorkflowInstanceQuery { WorkflowName = name, PageSize = 4 };
        do
        {
            pages.Add(await store.QueryInstancesAsync(query, Token));
            query.ContinuationToken = pages[^1].ContinuationToken;
        }
        while (query.ContinuationToken is not null);
        var all = pages.SelectMany(p => p.Instances).ToList();
        var failed = await store.QueryInstancesAsync(new WorkflowInstanceQuery { WorkflowName = name, Status = WorkflowStatus.Failed }, Token);
        var window = await store.QueryInstancesAsync(new WorkflowInstanceQuery
        {
            WorkflowName = name,
            CreatedFrom = start + TimeSpan.FromSeconds(2),
            CreatedBefore = start + TimeSpan.FromSeconds(4),
        }, Token);

        Assert.Equal(7, pages.Count);
        Assert.Equal(25, all.Count);
        Assert.Equal(ids.ToHashSet(), all.Select(i => i.InstanceId).ToHashSet());
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.CreatedAt >= p.Second.CreatedAt), "newest first");
        Assert.Equal([$"{name}-20", $"{name}-15", $"{name}-10", $"{name}-05", $"{name}-00"], failed.Instances.Select(i => i.InstanceId));
        Assert.Equal([$"{name}-07", $"{name}-06", $"{name}-05", $"{name}-04"], window.Instances.Select(i => i.InstanceId));
        Assert.Null(failed.ContinuationToken);
    }

    [Fact]
    public virtual async Task QueryInstances_ForeignContinuationToken_IsRejected()
    {
        var store = await Fixture.CreateStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await store.QueryInstancesAsync(new WorkflowInstanceQuery { ContinuationToken = "not-a-token" }, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await store.QueryInstancesAsync(new WorkflowInstanceQuery { PageSize = 0 }, Token));
    }

    protected static WorkflowInstanceInfo Info(string id, string name, WorkflowStatus status, DateTimeOffset createdAt, DateTimeOffset? completedAt = null) => new()
    {
        InstanceId = id,
        WorkflowName = name,
        WorkflowVersion = 2,
        Status = status,
        CreatedAt = createdAt,
        UpdatedAt = completedAt ?? createdAt,
        CompletedAt = completedAt,
    };
}

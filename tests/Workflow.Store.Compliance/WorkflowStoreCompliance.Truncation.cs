using Workflow.Storage;
using Xunit;

namespace Workflow.Store.Compliance;

public abstract partial class WorkflowStoreCompliance<TFixture>
{
    [Fact]
    public virtual async Task Truncate_KeepsTheLaterEventsAndTheirVersions()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(5)), Token);

        var truncating = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(5),
            Events = Events(2),
            TruncateBefore = 6,
        }, Token);
        var next = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(7), Events(1)), Token);

        Assert.Equal(CommitStatus.Committed, truncating.Status);
        Assert.Equal(7, truncating.StreamVersion);
        Assert.Equal(8, next.StreamVersion);
        Assert.Equal([6L, 7L, 8L], (await ReadAllAsync(store, id)).Select(e => e.Version));
        Assert.Equal([8L, 7L, 6L], (await store.ReadStreamAsync(id, long.MaxValue, ReadDirection.Backward, 10, Token)).Select(e => e.Version));
        Assert.Equal([7L, 8L], (await store.ReadStreamAsync(id, 7, ReadDirection.Forward, 10, Token)).Select(e => e.Version));
        Assert.Empty(await store.ReadStreamAsync(id, 3, ReadDirection.Backward, 10, Token));

        var watched = new List<long>();
        await foreach (var recorded in store.WatchStreamAsync(id, 1, Token))
        {
            watched.Add(recorded.Version);
            if (recorded.Version == 8)
            {
                break;
            }
        }

        Assert.Equal([6L, 7L, 8L], watched);
    }

    [Fact]
    public virtual async Task Truncate_RetriedCommit_IsAlreadyCommittedAndTruncatesOnce()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(3)), Token);
        var commit = new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(3), Events = Events(1), TruncateBefore = 4 };

        var first = await store.CommitAsync(commit, Token);
        var retry = await store.CommitAsync(commit, Token);

        Assert.Equal(CommitStatus.Committed, first.Status);
        Assert.Equal(CommitStatus.AlreadyCommitted, retry.Status);
        Assert.Equal(4, retry.StreamVersion);
        Assert.Equal([4L], (await ReadAllAsync(store, id)).Select(e => e.Version));
    }

    [Fact]
    public virtual async Task Truncate_BelowVersionOne_IsRefusedAndNothingIsWritten()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.CommitAsync(
            new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = Events(1), TruncateBefore = 0 }, Token));

        Assert.Empty(await ReadAllAsync(store, id));
    }
}

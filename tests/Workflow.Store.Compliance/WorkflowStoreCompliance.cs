using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Workflow.Storage;
using Xunit;

namespace Workflow.Store.Compliance;

/// <summary>
/// The contract every <see cref="IWorkflowStore"/> passes, unchanged: no overrides, no skips. Enroll a store by
/// deriving a sealed class from this one with its fixture.
/// </summary>
public abstract partial class WorkflowStoreCompliance<TFixture>(TFixture fixture)
    where TFixture : class, IWorkflowStoreFixture
{
    protected TFixture Fixture { get; } = fixture;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public virtual async Task Commit_NewStream_AssignsVersionsFromOne()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();

        var result = await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(3)), Token);

        Assert.Equal(CommitStatus.Committed, result.Status);
        Assert.Equal(3, result.StreamVersion);
        var read = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 100, Token);
        Assert.Equal([1L, 2L, 3L], read.Select(e => e.Version));
        Assert.All(read, e => Assert.Equal(id, e.StreamId));
    }

    [Fact]
    public virtual async Task Commit_WrongExpectedVersion_ConflictsAndWritesNothing()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(2)), Token);

        var stale = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(1), Events(1)), Token);
        var noStream = await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1)), Token);

        Assert.Equal(CommitStatus.VersionConflict, stale.Status);
        Assert.Equal(2, stale.StreamVersion);
        Assert.Equal(CommitStatus.VersionConflict, noStream.Status);
        Assert.Equal(2, (await ReadAllAsync(store, id)).Count);
    }

    [Fact]
    public virtual async Task Commit_ExactVersionWithoutEvents_ChecksTheVersion()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(2)), Token);

        var current = await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(2) }, Token);
        var stale = await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(1) }, Token);

        Assert.Equal(CommitStatus.Committed, current.Status);
        Assert.Equal(CommitStatus.VersionConflict, stale.Status);
    }

    [Fact]
    public virtual async Task Commit_32ConcurrentAppendersAtOneVersion_OneWinsPerVersionWithContiguousVersions()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        const int Appenders = 32;
        const int EventsEach = 5;

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, Appenders).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return (await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1)), Token)).Status;
        }, Token)).ToArray();
        start.SetResult();
        var firstRound = await Task.WhenAll(racers);
        Assert.Equal(1, firstRound.Count(s => s == CommitStatus.Committed));
        Assert.Equal(Appenders - 1, firstRound.Count(s => s == CommitStatus.VersionConflict));

        var written = new ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(_ => Task.Run(async () =>
        {
            for (var appended = 0; appended < EventsEach;)
            {
                var last = await store.ReadStreamAsync(id, long.MaxValue, ReadDirection.Backward, 1, Token);
                var data = Events(1);
                var result = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(last[0].Version), data), Token);
                if (result.Status == CommitStatus.Committed)
                {
                    written.Add(data[0].EventId);
                    appended++;
                }
                else
                {
                    Assert.Equal(CommitStatus.VersionConflict, result.Status);
                }
            }
        }, Token)));

        var all = await ReadAllAsync(store, id);
        Assert.Equal(Enumerable.Range(1, 1 + (Appenders * EventsEach)).Select(v => (long)v), all.Select(e => e.Version));
        Assert.Equal(all.Count, all.Select(e => e.EventId).Distinct().Count());
        Assert.Subset(all.Select(e => e.EventId).ToHashSet(), written.ToHashSet());
    }

    [Fact]
    public virtual async Task Commit_SameIdsAtSameVersion_SucceedsWithoutWritingTwice()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1)), Token);
        var events = Events(2);

        var first = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(1), events), Token);
        await store.CommitAsync(Append(id, ExpectedVersion.Exactly(3), Events(1)), Token);
        var retry = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(1), events), Token);
        var retryAny = await store.CommitAsync(Append(id, ExpectedVersion.Any, events), Token);

        Assert.Equal(CommitStatus.Committed, first.Status);
        Assert.Equal(CommitStatus.AlreadyCommitted, retry.Status);
        Assert.Equal(3, retry.StreamVersion);
        Assert.Equal(CommitStatus.AlreadyCommitted, retryAny.Status);
        Assert.Equal(4, (await ReadAllAsync(store, id)).Count);
    }

    [Fact]
    public virtual async Task Commit_SameIdsAtAnotherVersion_Conflicts()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        var events = Events(2);
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, events), Token);
        await store.CommitAsync(Append(id, ExpectedVersion.Exactly(2), Events(1)), Token);

        var result = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(1), events), Token);

        Assert.Equal(CommitStatus.VersionConflict, result.Status);
        Assert.Equal(3, (await ReadAllAsync(store, id)).Count);
    }

    [Fact]
    public virtual async Task Commit_PartlyOverlappingIds_ConflictAndWriteNothing()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        var events = Events(2);
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, events), Token);

        var overlapping = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(2), [events[1], .. Events(1)]), Token);
        var overlappingAtBase = await store.CommitAsync(Append(id, ExpectedVersion.NoStream, [events[0], .. Events(1)]), Token);
        var overlappingAny = await store.CommitAsync(Append(id, ExpectedVersion.Any, [.. Events(1), events[0]]), Token);

        Assert.Equal(CommitStatus.VersionConflict, overlapping.Status);
        Assert.Equal(CommitStatus.VersionConflict, overlappingAtBase.Status);
        Assert.Equal(CommitStatus.VersionConflict, overlappingAny.Status);
        Assert.Equal(2, (await ReadAllAsync(store, id)).Count);
    }

    [Fact]
    public virtual async Task Commit_DuplicateIdsInOneCommit_ThrowsAndWritesNothing()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        var one = Events(1)[0];

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.CommitAsync(Append(id, ExpectedVersion.NoStream, [one, one]), Token));

        Assert.Empty(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
    }

    [Fact]
    public virtual async Task Commit_CanceledToken_Throws()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1)), canceled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, canceled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.ClaimAsync("node", 1, Fixture.ShortLease, canceled.Token));
    }

    [Fact]
    public virtual async Task ReadStream_Backward_ReturnsNewestFirst()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(5)), Token);

        var fromEnd = await store.ReadStreamAsync(id, long.MaxValue, ReadDirection.Backward, 2, Token);
        var fromMiddle = await store.ReadStreamAsync(id, 3, ReadDirection.Backward, 10, Token);
        var forwardPage = await store.ReadStreamAsync(id, 2, ReadDirection.Forward, 2, Token);
        var missing = await store.ReadStreamAsync(NewId(), long.MaxValue, ReadDirection.Backward, 10, Token);

        Assert.Equal([5L, 4L], fromEnd.Select(e => e.Version));
        Assert.Equal([3L, 2L, 1L], fromMiddle.Select(e => e.Version));
        Assert.Equal([2L, 3L], forwardPage.Select(e => e.Version));
        Assert.Empty(missing);
    }

    [Fact]
    public virtual async Task ReadStream_ReturnsWhatWasWritten_WithQuotesUnicodeAndOneMegabytePayloads()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = "instance 'quoted' \"double\" ünïcødé ✓ " + Guid.NewGuid();
        var big = new JsonObject { ["blob"] = new string('x', 1024 * 1024), ["quote"] = "it's \"here\" ✓" }.ToJsonString();
        var small = new JsonObject { ["n"] = 1, ["text"] = "line\nbreak \\ tab\t ✓" }.ToJsonString();
        var events = new[]
        {
            new EventData(Guid.NewGuid(), "type.with'quote.v1", Encoding.UTF8.GetBytes(big), Encoding.UTF8.GetBytes("{\"meta\":\"ü\"}")),
            new EventData(Guid.NewGuid(), "step.completed.v1", Encoding.UTF8.GetBytes(small)),
        };

        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, events), Token);
        var read = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);

        Assert.Equal(2, read.Count);
        Assert.Equal(events[0].EventId, read[0].EventId);
        Assert.Equal("type.with'quote.v1", read[0].Type);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(big), JsonNode.Parse(read[0].Data.Span)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"meta\":\"ü\"}"), JsonNode.Parse(read[0].Metadata.Span)));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(small), JsonNode.Parse(read[1].Data.Span)));
        Assert.True(read[1].Metadata.IsEmpty);
        Assert.True(read[0].Position < read[1].Position);
    }

    [Fact]
    public virtual async Task WatchStream_FromVersionWhileAppending_YieldsEveryEventOnceInOrder()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        const int Total = 200;
        const int From = 37;
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(10)), Token);

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = new List<long>();
        var watch = Task.Run(async () =>
        {
            await foreach (var recorded in store.WatchStreamAsync(id, From, watching.Token))
            {
                seen.Add(recorded.Version);
                if (recorded.Version == Total)
                {
                    return;
                }
            }
        }, Token);
        for (var version = 10; version < Total; version += 10)
        {
            await store.CommitAsync(Append(id, ExpectedVersion.Exactly(version), Events(10)), Token);
        }

        await watch.WaitAsync(TimeSpan.FromSeconds(60), Token);
        Assert.Equal(Enumerable.Range(From, Total - From + 1).Select(v => (long)v), seen);
    }

    [Fact]
    public virtual async Task WatchStream_Canceled_Ends()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1)), Token);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = 0;

        var watch = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchStreamAsync(id, 1, watching.Token))
            {
                if (++seen == 1)
                {
                    await watching.CancelAsync();
                }
            }
        }, Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch.WaitAsync(TimeSpan.FromSeconds(60), Token));
        Assert.Equal(1, seen);
    }

    protected static string NewId() => "compliance-" + Guid.NewGuid().ToString("N");

    protected static EventData[] Events(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new EventData(Guid.NewGuid(), "test.event.v1", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")))];

    protected static WorkflowCommit Append(string id, ExpectedVersion expected, IReadOnlyList<EventData> events, IReadOnlyList<ScheduledWork>? schedule = null) =>
        new() { InstanceId = id, ExpectedVersion = expected, Events = events, Schedule = schedule ?? [] };

    protected static async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(IWorkflowStore store, string id) =>
        await store.ReadStreamAsync(id, 1, ReadDirection.Forward, int.MaxValue, Token);
}

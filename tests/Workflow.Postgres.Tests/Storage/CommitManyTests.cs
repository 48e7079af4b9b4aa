using System.Text;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Storage;

public sealed class CommitManyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommitMany_OneConflicting_AppliesTheOthersAndReportsEachOutcome()
    {
        var store = fixture.CreateStore();
        var (a, b, c, d) = (NewId(), NewId(), NewId(), NewId());
        await store.CommitAsync(Append(b, ExpectedVersion.NoStream, 2), Token);
        var retried = Append(d, ExpectedVersion.NoStream, 1);
        await store.CommitAsync(retried, Token);

        var results = await store.CommitManyAsync(
        [
            Append(a, ExpectedVersion.NoStream, 1),
            Append(b, ExpectedVersion.Exactly(1), 1),
            Append(c, ExpectedVersion.NoStream, 1, [new ScheduledWork(c, claimFor: new LeaseRequest("local", TimeSpan.FromMinutes(1)))]),
            Append(a, ExpectedVersion.Exactly(1), 2),
            retried,
        ], Token);

        Assert.Equal(
            [CommitStatus.Committed, CommitStatus.VersionConflict, CommitStatus.Committed, CommitStatus.Committed, CommitStatus.AlreadyCommitted],
            results.Select(r => r.Status));
        Assert.Equal([1L, 2L, 1L, 3L, 1L], results.Select(r => r.StreamVersion));
        Assert.Equal(c, Assert.Single(results[2].Claimed).InstanceId);
        Assert.Equal(3, (await ReadAllAsync(store, a)).Count);
        Assert.Equal(2, (await ReadAllAsync(store, b)).Count);
        Assert.Single(await ReadAllAsync(store, d));
        Assert.DoesNotContain(await store.ClaimAsync("other", 1000, TimeSpan.FromMinutes(1), Token), l => l.InstanceId == c);
    }

    [Fact]
    public async Task CommitMany_MoreCommitsThanOneRoundTripTakes_AppliesEveryOneInOrder()
    {
        var store = fixture.CreateStore();
        var id = NewId();
        var commits = Enumerable.Range(0, 600).Select(i => Append(id, ExpectedVersion.Exactly(i), 1)).ToArray();

        var results = await store.CommitManyAsync(commits, Token);

        Assert.All(results, r => Assert.Equal(CommitStatus.Committed, r.Status));
        Assert.Equal(Enumerable.Range(1, 600).Select(v => (long)v), results.Select(r => r.StreamVersion));
        Assert.Equal(commits.Select(c => c.Events[0].EventId), (await ReadAllAsync(store, id)).Select(e => e.EventId));
    }

    [Fact]
    public async Task CommitMany_ConcurrentBatchesOverTheSameStreamsInOppositeOrders_ApplyEveryCommitOnce()
    {
        var store = fixture.CreateStore();
        var streams = Enumerable.Range(0, 20).Select(_ => NewId()).ToArray();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            await start.Task;
            var results = new List<CommitResult>();
            for (var round = 0; round < 5; round++)
            {
                var order = w % 2 == 0 ? streams : streams.Reverse().ToArray();
                results.AddRange(await store.CommitManyAsync([.. order.Select(id => Append(id, ExpectedVersion.Any, 1))], Token));
            }

            return results;
        }, Token)).ToArray();
        start.SetResult();
        var all = (await Task.WhenAll(writers)).SelectMany(r => r).ToList();

        Assert.All(all, r => Assert.Equal(CommitStatus.Committed, r.Status));
        foreach (var id in streams)
        {
            var events = await ReadAllAsync(store, id);
            Assert.Equal(Enumerable.Range(1, 30).Select(v => (long)v), events.Select(e => e.Version));
        }
    }

    [Fact]
    public async Task CommitMany_OneWithDataJsonbRejects_ThrowsAndWritesNothingOfTheBatch()
    {
        var store = fixture.CreateStore();
        var (good, bad) = (NewId(), NewId());

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.CommitManyAsync(
        [
            Append(good, ExpectedVersion.NoStream, 1),
            new WorkflowCommit { InstanceId = bad, Events = [new EventData(Guid.NewGuid(), "bad.v1", Encoding.UTF8.GetBytes("{oops"))] },
        ], Token));

        Assert.Empty(await ReadAllAsync(store, good));
        Assert.Empty(await ReadAllAsync(store, bad));
    }

    [Fact]
    public async Task CommitMany_DuplicateEventIdsInOneCommit_ThrowsBeforeWritingAnything()
    {
        var store = fixture.CreateStore();
        var (good, bad) = (NewId(), NewId());
        var twice = new EventData(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray());

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await store.CommitManyAsync(
            [Append(good, ExpectedVersion.NoStream, 1), new WorkflowCommit { InstanceId = bad, Events = [twice, twice] }], Token));

        Assert.Empty(await ReadAllAsync(store, good));
    }

    [Fact]
    public async Task CommitMany_Empty_ReturnsNoResults()
    {
        var store = fixture.CreateStore();

        Assert.Empty(await store.CommitManyAsync([], Token));
    }

    private static string NewId() => "many-" + Guid.NewGuid().ToString("N");

    private static WorkflowCommit Append(string id, ExpectedVersion expected, int events, IReadOnlyList<ScheduledWork>? schedule = null) => new()
    {
        InstanceId = id,
        ExpectedVersion = expected,
        Events = [.. Enumerable.Range(0, events).Select(i => new EventData(Guid.NewGuid(), "test.event.v1", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")))],
        Schedule = schedule ?? [],
    };

    private static async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(IWorkflowStore store, string id) =>
        await store.ReadStreamAsync(id, 1, ReadDirection.Forward, int.MaxValue, Token);
}

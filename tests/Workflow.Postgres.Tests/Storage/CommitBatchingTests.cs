using System.Text;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Storage;

/// <summary>Group commit: concurrent <c>CommitAsync</c> calls sharing transactions, each with its own outcome.</summary>
public sealed class CommitBatchingTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private const int Concurrent = 300;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentCommits_ShareTransactions_AndEachGetsItsOwnOutcome()
    {
        var store = fixture.CreateStore();
        var ids = Enumerable.Range(0, Concurrent).Select(_ => NewId()).ToArray();

        // Every instance is appended to twice as a new stream: exactly one of the two is first.
        var commits = ids.Concat(ids).Select(id => Append(id)).ToArray();
        var outcomes = await Task.WhenAll(commits.Select(c => store.CommitAsync(c, Token).AsTask()));

        Assert.True(store.SharedCommitBatches > 0, "No transaction carried more than one commit.");
        for (var i = 0; i < Concurrent; i++)
        {
            var pair = new[] { outcomes[i].Status, outcomes[i + Concurrent].Status };
            Assert.Contains(CommitStatus.Committed, pair);
            Assert.Contains(CommitStatus.VersionConflict, pair);
            var written = await store.ReadStreamAsync(ids[i], 1, ReadDirection.Forward, 10, Token);
            var winner = outcomes[i].Status == CommitStatus.Committed ? commits[i] : commits[i + Concurrent];
            Assert.Equal(winner.Events[0].EventId, Assert.Single(written).EventId);
        }
    }

    [Fact]
    public async Task OneRejectedValueAmongConcurrentCommits_FailsOnlyThatCommit()
    {
        var store = fixture.CreateStore();
        var ids = Enumerable.Range(0, Concurrent).Select(_ => NewId()).ToArray();
        var bad = ids[Concurrent / 2];
        var commits = ids.Select(id => id == bad
            ? new WorkflowCommit { InstanceId = id, Events = [new EventData(Guid.NewGuid(), "bad.v1", Encoding.UTF8.GetBytes("{oops"))] }
            : Append(id)).ToArray();

        var calls = commits.Select(c => store.CommitAsync(c, Token).AsTask()).ToArray();
        var rejected = await Assert.ThrowsAsync<ArgumentException>(() => calls[Concurrent / 2]);
        var others = await Task.WhenAll(calls.Where((_, i) => i != Concurrent / 2));

        Assert.Contains("JSON", rejected.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(store.SharedCommitBatches > 0, "No transaction carried more than one commit.");
        Assert.All(others, o => Assert.Equal(CommitStatus.Committed, o.Status));
        Assert.Empty(await store.ReadStreamAsync(bad, 1, ReadDirection.Forward, 10, Token));
        foreach (var id in ids.Where(id => id != bad))
        {
            Assert.Single(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
        }
    }

    [Fact]
    public async Task BatchingTurnedOff_CommitsEachAlone()
    {
        var store = fixture.CreateStore(configure: o => o.BatchCommits = false);
        var ids = Enumerable.Range(0, 50).Select(_ => NewId()).ToArray();

        var outcomes = await Task.WhenAll(ids.Select(id => store.CommitAsync(Append(id), Token).AsTask()));

        Assert.All(outcomes, o => Assert.Equal(CommitStatus.Committed, o.Status));
        Assert.Equal(0, store.SharedCommitBatches);
    }

    [Fact]
    public async Task Batcher_CommitCancelledWhileQueued_IsNeverSent()
    {
        var gate = new TaskCompletionSource<CommitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new List<string>();
        var batcher = new CommitBatcher(
            async (commit, _) =>
            {
                lock (sent)
                {
                    sent.Add(commit.InstanceId);
                }

                return await gate.Task;
            },
            async (commits, results, _) =>
            {
                lock (sent)
                {
                    sent.AddRange(commits.Select(c => c.InstanceId));
                }

                var result = await gate.Task;
                for (var i = 0; i < results.Count; i++)
                {
                    results[i] = result;
                }

                return results.Count;
            });

        // Fill every slot with a commit held at the gate; the next ones queue.
        var inFlight = Enumerable.Range(0, CommitBatcher.MaxInFlight).Select(i => batcher.CommitAsync(Append("busy-" + i), Token)).ToArray();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var cancelled = batcher.CommitAsync(Append("cancelled"), cancel.Token);
        var queued = batcher.CommitAsync(Append("queued"), Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult(new CommitResult(CommitStatus.Committed, 1));
        await Task.WhenAll(inFlight);

        Assert.Equal(CommitStatus.Committed, (await queued).Status);
        lock (sent)
        {
            Assert.Contains("queued", sent);
            Assert.DoesNotContain("cancelled", sent);
        }
    }

    [Fact]
    public async Task Batcher_SharedBatchThatFails_RetriesEachCommitAloneWithItsOwnOutcome()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = 0;
        var batcher = new CommitBatcher(
            async (commit, _) =>
            {
                await gate.Task;
                return commit.InstanceId == "bad"
                    ? throw new ArgumentException("The event data of 'bad' is not JSON.")
                    : new CommitResult(CommitStatus.Committed, 1);
            },
            (_, _, _) =>
            {
                Interlocked.Increment(ref batches);
                throw new ArgumentException("One commit of the batch holds a value PostgreSQL rejected.");
            });

        var inFlight = Enumerable.Range(0, CommitBatcher.MaxInFlight).Select(i => batcher.CommitAsync(Append("busy-" + i), Token)).ToArray();
        var good = batcher.CommitAsync(Append("good"), Token);
        var bad = batcher.CommitAsync(Append("bad"), Token);
        gate.SetResult();

        await Task.WhenAll(inFlight);
        Assert.Equal(CommitStatus.Committed, (await good).Status);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => bad);
        Assert.Contains("'bad'", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref batches));
    }

    [Fact]
    public async Task Batcher_SharedBatchWithTheDatabaseGone_FailsEachCommitWithoutTryingThemAlone()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alone = 0;
        var batcher = new CommitBatcher(
            async (commit, _) =>
            {
                Interlocked.Increment(ref alone);
                await gate.Task;
                return new CommitResult(CommitStatus.Committed, 1);
            },
            (_, _, _) => throw new Exceptions.WorkflowStoreUnavailableException("127.0.0.1:5432", "The database cannot be reached."));

        var inFlight = Enumerable.Range(0, CommitBatcher.MaxInFlight).Select(i => batcher.CommitAsync(Append("busy-" + i), Token)).ToArray();
        var first = batcher.CommitAsync(Append("first"), Token);
        var second = batcher.CommitAsync(Append("second"), Token);
        gate.SetResult();

        await Task.WhenAll(inFlight);
        await Assert.ThrowsAsync<Exceptions.WorkflowStoreUnavailableException>(() => first);
        await Assert.ThrowsAsync<Exceptions.WorkflowStoreUnavailableException>(() => second);
        Assert.Equal(CommitBatcher.MaxInFlight, Volatile.Read(ref alone));
    }

    private static string NewId() => "batch-" + Guid.NewGuid().ToString("N");

    private static WorkflowCommit Append(string id) => new()
    {
        InstanceId = id,
        ExpectedVersion = ExpectedVersion.NoStream,
        Events = [new EventData(Guid.NewGuid(), "test.event.v1", "{\"n\":1}"u8.ToArray())],
    };
}

using Workflow.Storage;
using Xunit;

namespace Workflow.Store.Compliance;

public abstract partial class WorkflowStoreCompliance<TFixture>
{
    [Fact]
    public virtual async Task WaitForWork_CommitLeavesWorkDueNow_EndsTheWait()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        var waiting = store.WaitForWorkAsync(Token);

        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);

        await waiting.WaitAsync(TimeSpan.FromSeconds(60), Token);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public virtual async Task WaitForWork_ReleasedLease_EndsTheWait()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var lease = (await ClaimInstanceAsync(store, "node-a", id))!;
        var waiting = store.WaitForWorkAsync(Token);

        Assert.True(await store.ReleaseAsync(lease, cancellationToken: Token));

        await waiting.WaitAsync(TimeSpan.FromSeconds(60), Token);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public virtual async Task WaitForWork_Canceled_EndsWithCancellation()
    {
        var store = await Fixture.CreateStoreAsync();

        // A wait may end early without harm (a listener that connects reports work it may have missed, other
        // stores on the schema announce theirs), so a wait that ended before its cancellation is tried again;
        // one that ignores cancellation hangs and fails at the cap.
        for (var attempt = 1; ; attempt++)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
            var waiting = store.WaitForWorkAsync(cancel.Token);

            await cancel.CancelAsync();

            var ended = await Record.ExceptionAsync(() => waiting.WaitAsync(TimeSpan.FromSeconds(60), Token));
            if (ended is not null || attempt == 20)
            {
                Assert.IsAssignableFrom<OperationCanceledException>(ended);
                return;
            }
        }
    }

    [Fact]
    public virtual async Task Claim_ScheduledWork_LeasesItOnceWithAFencingToken()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);

        var first = await ClaimInstanceAsync(store, "node-a", id);
        var second = await store.ClaimAsync("node-b", 1000, TimeSpan.FromMinutes(5), Token);

        Assert.NotNull(first);
        Assert.Equal("node-a", first.OwnerId);
        Assert.DoesNotContain(second, l => l.InstanceId == id);
    }

    [Fact]
    public virtual async Task Schedule_TwiceForOneInstance_KeepsOneWorkItem()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        await store.CommitAsync(Append(id, ExpectedVersion.Any, Events(1), [new ScheduledWork(id)]), Token);

        var claimed = await store.ClaimAsync("node", 1000, TimeSpan.FromMinutes(5), Token);

        Assert.Single(claimed, l => l.InstanceId == id);
    }

    [Fact]
    public virtual async Task Commit_WithStaleFencingToken_IsRejectedAndWritesNothing()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var stale = (await ClaimInstanceAsync(store, "node-a", id))!;
        Assert.True(await store.ReleaseAsync(stale, cancellationToken: Token));
        var current = (await ClaimInstanceAsync(store, "node-b", id))!;

        var rejected = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = Events(1),
            Lease = stale,
            CompleteLease = true,
        }, Token);
        var renewedStale = await store.RenewAsync([stale], Fixture.ShortLease, Token);
        var releasedStale = await store.ReleaseAsync(stale, cancellationToken: Token);
        var accepted = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = Events(1),
            Lease = current,
        }, Token);

        Assert.True(current.FencingToken > stale.FencingToken);
        Assert.Equal(CommitStatus.LeaseLost, rejected.Status);
        Assert.Empty(renewedStale);
        Assert.False(releasedStale);
        Assert.Equal(CommitStatus.Committed, accepted.Status);
        Assert.Equal(2, (await ReadAllAsync(store, id)).Count);
    }

    [Fact]
    public virtual async Task Claim_ExpiredLease_IsTakenOverAndTheOldHolderFencedOff()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var old = (await store.ClaimAsync("node-a", 1000, Fixture.ShortLease, Token)).Single(l => l.InstanceId == id);

        WorkLease? taken = null;
        await Fixture.EventuallyAsync(
            async () => (taken = (await store.ClaimAsync("node-b", 1000, Fixture.ShortLease, Token)).SingleOrDefault(l => l.InstanceId == id)) is not null,
            Fixture.ShortLease / 4,
            "the expired lease can be claimed again");
        var oldCommit = await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(1), Events = Events(1), Lease = old }, Token);
        var renewed = await store.RenewAsync([old, taken!], TimeSpan.FromMinutes(5), Token);

        Assert.Equal("node-b", taken!.OwnerId);
        Assert.True(taken.FencingToken > old.FencingToken);
        Assert.Equal(CommitStatus.LeaseLost, oldCommit.Status);
        Assert.Equal([taken.FencingToken], renewed.Select(l => l.FencingToken));
        Assert.True(renewed[0].ExpiresAt > taken.ExpiresAt);
    }

    [Fact]
    public virtual async Task Claim_TimerDueInTheFuture_IsNotClaimableBeforeItIsDue()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        var later = NewId();
        var dueAt = Fixture.Now + (Fixture.ShortLease * 2);
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id, dueAt)]), Token);
        await store.CommitAsync(Append(later, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(later, Fixture.Now + TimeSpan.FromDays(3))]), Token);

        var early = await store.ClaimAsync("node", 1000, TimeSpan.FromMinutes(5), Token);
        Assert.DoesNotContain(early, l => l.InstanceId == id);

        WorkLease? claimed = null;
        await Fixture.EventuallyAsync(
            async () => (claimed = (await store.ClaimAsync("node", 1000, TimeSpan.FromMinutes(5), Token)).SingleOrDefault(l => l.InstanceId == id)) is not null,
            Fixture.ShortLease / 4,
            "the timer is due");
        Assert.True(Fixture.Now >= dueAt);
        Assert.DoesNotContain(await store.ClaimAsync("node", 1000, TimeSpan.FromMinutes(5), Token), l => l.InstanceId == later);
    }

    [Fact]
    public virtual async Task Schedule_WhileLeased_RunsAgainWhenTheLeaseEnds()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var lease = (await ClaimInstanceAsync(store, "node", id))!;

        await store.CommitAsync(Append(id, ExpectedVersion.Any, Events(1), [new ScheduledWork(id)]), Token);
        Assert.Null(await ClaimInstanceAsync(store, "other", id));
        var done = await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(2), Lease = lease, CompleteLease = true }, Token);
        var again = await ClaimInstanceAsync(store, "other", id);
        var completed = await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(2), Lease = again, CompleteLease = true }, Token);
        var nothing = await ClaimInstanceAsync(store, "other", id);

        Assert.Equal(CommitStatus.Committed, done.Status);
        Assert.NotNull(again);
        Assert.Equal(CommitStatus.Committed, completed.Status);
        Assert.Null(nothing);
    }

    [Fact]
    public virtual async Task Commit_CompletingLeaseWithFollowUpTimer_MakesTheItemDueLater()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var lease = (await ClaimInstanceAsync(store, "node", id))!;

        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Lease = lease,
            CompleteLease = true,
            Schedule = [new ScheduledWork(id, Fixture.Now + TimeSpan.FromDays(1))],
        }, Token);

        Assert.Null(await ClaimInstanceAsync(store, "node", id));
    }

    [Fact]
    public virtual async Task Commit_ClaimFor_ReturnsALeaseNobodyElseCanClaim()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();

        var result = await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id, claimFor: new LeaseRequest("local", TimeSpan.FromMinutes(5)))]), Token);

        var lease = Assert.Single(result.Claimed);
        Assert.Equal(id, lease.InstanceId);
        Assert.Equal("local", lease.OwnerId);
        Assert.Null(await ClaimInstanceAsync(store, "other", id));
        var commit = await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(1), Events = Events(1), Lease = lease, CompleteLease = true }, Token);
        Assert.Equal(CommitStatus.Committed, commit.Status);
    }

    [Fact]
    public virtual async Task Commit_RetryOfACommitThatEndedItsLease_ReportsAlreadyCommitted()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var lease = (await ClaimInstanceAsync(store, "node", id))!;
        var commit = new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(1), Events = Events(2), Lease = lease, CompleteLease = true };

        var first = await store.CommitAsync(commit, Token);
        var retry = await store.CommitAsync(commit, Token);

        Assert.Equal(CommitStatus.Committed, first.Status);
        Assert.Equal(CommitStatus.AlreadyCommitted, retry.Status);
        Assert.Equal(3, retry.StreamVersion);
        Assert.Equal(3, (await ReadAllAsync(store, id)).Count);
    }

    [Fact]
    public virtual async Task Release_WithDueTime_MakesTheItemClaimableThen()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream, Events(1), [new ScheduledWork(id)]), Token);
        var lease = (await ClaimInstanceAsync(store, "node", id))!;

        Assert.True(await store.ReleaseAsync(lease, Fixture.Now + Fixture.ShortLease, Token));
        Assert.Null(await ClaimInstanceAsync(store, "node", id));
        await Fixture.EventuallyAsync(async () => await ClaimInstanceAsync(store, "node", id) is not null, Fixture.ShortLease / 4, "the released item is due");
    }

    [Fact]
    public virtual async Task CommitMany_ConflictingCommit_DoesNotStopTheOthers()
    {
        var store = await Fixture.CreateStoreAsync();
        var (a, b, c) = (NewId(), NewId(), NewId());
        await store.CommitAsync(Append(b, ExpectedVersion.NoStream, Events(1)), Token);

        var results = await store.CommitManyAsync(
        [
            Append(a, ExpectedVersion.NoStream, Events(1)),
            Append(b, ExpectedVersion.NoStream, Events(1)),
            Append(c, ExpectedVersion.NoStream, Events(2)),
        ], Token);

        Assert.Equal([CommitStatus.Committed, CommitStatus.VersionConflict, CommitStatus.Committed], results.Select(r => r.Status));
        Assert.Single(await ReadAllAsync(store, a));
        Assert.Single(await ReadAllAsync(store, b));
        Assert.Equal(2, (await ReadAllAsync(store, c)).Count);
    }

    private static async Task<WorkLease?> ClaimInstanceAsync(IWorkflowStore store, string owner, string id)
    {
        // Other tests' items may be claimable too: claim everything due and release the ones we do not want.
        var claimed = await store.ClaimAsync(owner, 1000, TimeSpan.FromMinutes(5), Token);
        WorkLease? mine = null;
        foreach (var lease in claimed)
        {
            if (lease.InstanceId == id)
            {
                mine = lease;
            }
            else
            {
                await store.ReleaseAsync(lease, cancellationToken: Token);
            }
        }

        return mine;
    }
}

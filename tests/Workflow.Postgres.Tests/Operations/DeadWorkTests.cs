using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Operations;

public sealed class DeadWorkTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    // Expires as soon as it is granted: the next claim is a takeover, as after a node died holding it.
    private static readonly TimeSpan Instant = TimeSpan.FromMilliseconds(1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Claim_LeasesExpiringInARowWithoutProgress_ParksTheWorkAsDeadUntilRetried()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("dead"), o => o.MaxExpiredLeases = 3);
        var id = await ScheduleAsync(store, "poison");

        // The first claim and two takeovers in which nothing was committed; the claim after the third expiry parks it.
        var owners = new List<string>();
        var node = 0;
        await StoreClock.EventuallyAsync(
            async () =>
            {
                var owner = $"node-{++node}";
                if ((await store.ClaimAsync(owner, 10, Instant, Token)).Count == 1)
                {
                    owners.Add(owner);
                }

                return (await store.GetDeadWorkItemsAsync(cancellationToken: Token)).Count == 1;
            },
            TimeSpan.FromMilliseconds(5), "the item is parked", Token);

        Assert.Equal(3, owners.Count);
        var dead = Assert.Single(await store.GetDeadWorkItemsAsync(cancellationToken: Token));
        Assert.Equal(id, dead.InstanceId);
        Assert.Equal(3, dead.ExpiredLeases);
        Assert.Equal(owners[^1], dead.LastOwner);
        Assert.Equal("test-workflow", dead.WorkflowName);
        Assert.Empty(await store.ClaimAsync("node-x", 10, TimeSpan.FromMinutes(5), Token));

        Assert.True(await store.RetryDeadWorkItemAsync(id, Token));
        Assert.False(await store.RetryDeadWorkItemAsync(id, Token));
        Assert.Empty(await store.GetDeadWorkItemsAsync(cancellationToken: Token));
        var lease = Assert.Single(await store.ClaimAsync("node-fixed", 10, TimeSpan.FromMinutes(5), Token));
        Assert.Equal(id, lease.InstanceId);
    }

    [Fact]
    public async Task Claim_ExpiredLeasesWithProgressBetween_NeverParkTheWork()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("progress"), o => o.MaxExpiredLeases = 2);
        var id = await ScheduleAsync(store, "slow-but-moving");

        // Each holder commits a step and then loses its lease: the journal moves on, so the expiries do not count.
        for (var round = 0; round < 6; round++)
        {
            IReadOnlyList<WorkLease> leases = [];
            await StoreClock.EventuallyAsync(
                async () => (leases = await store.ClaimAsync($"node-{round}", 10, Instant, Token)).Count == 1,
                TimeSpan.FromMilliseconds(5), "the item is claimable again", Token);
            var result = await store.CommitAsync(new WorkflowCommit
            {
                InstanceId = id,
                Lease = leases[0],
                Events = [new EventData(Guid.NewGuid(), "test.step.v1", "{}"u8.ToArray())],
            }, Token);
            Assert.True(result.Status is CommitStatus.Committed or CommitStatus.LeaseLost, result.Status.ToString());
        }

        Assert.Empty(await store.GetDeadWorkItemsAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task Claim_MaxExpiredLeasesZero_NeverParksWork()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("never"), o => o.MaxExpiredLeases = 0);
        await ScheduleAsync(store, "kept");

        var claims = 0;
        await StoreClock.EventuallyAsync(
            async () => (claims += (await store.ClaimAsync("node", 10, Instant, Token)).Count) >= 8,
            TimeSpan.FromMilliseconds(5), "eight claims", Token);

        Assert.Empty(await store.GetDeadWorkItemsAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task WakeUpOfADeadItem_IsKeptButDoesNotReviveIt()
    {
        var store = fixture.CreateStore(fixture.NewSchemaName("wake"), o => o.MaxExpiredLeases = 1);
        var id = await ScheduleAsync(store, "parked");
        Assert.Single(await store.ClaimAsync("node-1", 10, Instant, Token));
        await StoreClock.EventuallyAsync(
            async () => (await store.ClaimAsync("node-2", 10, Instant, Token)).Count == 0 && (await store.GetDeadWorkItemsAsync(cancellationToken: Token)).Count == 1,
            TimeSpan.FromMilliseconds(5), "the item is parked", Token);

        // An event raised to the instance schedules a run; the parked item keeps it for when it is retried.
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            Events = [new EventData(Guid.NewGuid(), "test.raised.v1", "{}"u8.ToArray())],
            Schedule = [new ScheduledWork(id)],
        }, Token);

        Assert.Empty(await store.ClaimAsync("node-3", 10, TimeSpan.FromMinutes(5), Token));
        Assert.Single(await store.GetDeadWorkItemsAsync(cancellationToken: Token));
        Assert.True(await store.RetryDeadWorkItemAsync(id, Token));
        Assert.Single(await store.ClaimAsync("node-4", 10, TimeSpan.FromMinutes(5), Token));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public void Options_MaxExpiredLeasesOutOfRange_AreRejectedBeforeAnySql(int value)
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresWorkflowStore(
            "Host=127.0.0.1;Port=1", new PostgresWorkflowStoreOptions { MaxExpiredLeases = value }));

        Assert.Contains("MaxExpiredLeases", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task GetDeadWorkItems_LimitOutOfRange_Throws(int limit)
    {
        var store = fixture.CreateStore();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.GetDeadWorkItemsAsync(limit, Token));
    }

    private static async Task<string> ScheduleAsync(PostgresWorkflowStore store, string tag)
    {
        var id = $"{tag}-{Guid.NewGuid():N}";
        var now = StoreClock.Now;
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "test.started.v1", "{}"u8.ToArray())],
            Schedule = [new ScheduledWork(id)],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = id,
                WorkflowName = "test-workflow",
                WorkflowVersion = 1,
                Status = WorkflowStatus.Running,
                CreatedAt = now,
                UpdatedAt = now,
            },
        }, Token);
        return id;
    }
}

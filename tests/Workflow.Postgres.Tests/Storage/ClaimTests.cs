using System.Collections.Concurrent;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Storage;

public sealed class ClaimTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Claim_EightNodesAtOnce_LeaseEachDueItemToExactlyOneOfThem()
    {
        var schema = fixture.NewSchemaName("claims");
        var writer = fixture.CreateStore(schema);
        var ids = Enumerable.Range(0, 300).Select(i => $"claim-{i}").ToArray();
        await writer.CommitManyAsync(
            [.. ids.Select(id => new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()], Schedule = [new ScheduledWork(id)] })],
            Token);
        var claimed = new ConcurrentBag<WorkLease>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var nodes = Enumerable.Range(0, 8).Select(n => Task.Run(async () =>
        {
            var store = fixture.CreateStore(schema);
            await start.Task;
            while (true)
            {
                var leases = await store.ClaimAsync($"node-{n}", 7, TimeSpan.FromMinutes(5), Token);
                if (leases.Count == 0)
                {
                    return;
                }

                foreach (var lease in leases)
                {
                    claimed.Add(lease);
                }
            }
        }, Token)).ToArray();
        start.SetResult();
        await Task.WhenAll(nodes);

        Assert.Equal(ids.Order(StringComparer.Ordinal), claimed.Select(l => l.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(claimed, l => Assert.Equal(1, l.FencingToken));
        Assert.True(claimed.Select(l => l.OwnerId).Distinct().Count() > 1, "the work was shared");
    }

    [Fact]
    public async Task Release_WakeUpRememberedWhileLeased_IsKeptWhenEarlierThanTheRequestedDueTime()
    {
        var store = fixture.CreateStore();
        var id = "release-" + Guid.NewGuid();
        await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()], Schedule = [new ScheduledWork(id)] }, Token);
        var lease = Assert.Single(await store.ClaimAsync("node", 1000, TimeSpan.FromMinutes(5), Token), l => l.InstanceId == id);
        await store.CommitAsync(new WorkflowCommit { InstanceId = id, Events = [Event()], Schedule = [new ScheduledWork(id)] }, Token);

        var released = await store.ReleaseAsync(lease, StoreClock.Now + TimeSpan.FromDays(1), Token);
        var again = await store.ClaimAsync("node", 1000, TimeSpan.FromMinutes(5), Token);

        Assert.True(released);
        Assert.Contains(again, l => l.InstanceId == id && l.FencingToken == lease.FencingToken + 1);
    }

    private static EventData Event() => new(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray());
}

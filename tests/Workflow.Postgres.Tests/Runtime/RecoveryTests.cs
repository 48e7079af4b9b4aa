using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Telemetry;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Runtime;

public sealed class RecoveryTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Three steps counting their executions outside the journal; the first execution of 'charge' blocks until
    /// the test releases it (the step in flight when its node dies).</summary>
    private static WorkflowDefinition<int, int> CountingWorkflow(Probe probe) =>
        WorkflowDefinition.Create<int>("pg-crash")
            .Then("reserve", x =>
            {
                probe.Hit("reserve");
                return x + 1;
            })
            .Then("charge", async (x, context, ct) =>
            {
                if (probe.Hit("charge") == 1)
                {
                    await probe.WaitAsync("first-charge", CancellationToken.None);
                }

                return x * 10;
            })
            .Then("ship", x =>
            {
                probe.Hit("ship");
                return x + 5;
            })
            .Build();

    [Fact]
    public async Task Crash_NodeAbandonedMidStep_SecondNodeTakesOverAfterTheLeaseAndTheDeadNodesLateCommitIsFenced()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var deadNodeLogs = new CapturingLoggerProvider();
        var instanceId = "crash-" + Guid.NewGuid();

        // Node 1: a short lease, and a clock that never moves, so its heartbeat never renews it: a dead process.
        var node1 = await TestHost.StartAsync(
            b => b.AddWorkflow(CountingWorkflow(probe)).UsePostgres(fixture.Database.ConnectionString, o => o.Schema = fixture.Schema),
            clock: new FakeTimeProvider(TestHost.Epoch),
            options: o =>
            {
                o.NodeId = "node-1";
                o.LeaseDuration = TimeSpan.FromSeconds(2);
            },
            logs: deadNodeLogs,
            cancellationToken: Token);
        try
        {
            await node1.Client.StartAsync(CountingWorkflow(probe), 1, new StartWorkflowOptions { InstanceId = instanceId }, Token);
            await Poll.UntilAsync(() => probe.Count("charge") == 1, "node 1 is in the middle of 'charge'", cancellationToken: Token);

            // Node 2: a fresh host with freshly built definitions, on the real clock, polling often.
            await using var node2 = await TestHost.StartAsync(
                b => b.AddWorkflow(CountingWorkflow(probe)).UsePostgres(fixture.Database.ConnectionString, o => o.Schema = fixture.Schema),
                options: o =>
                {
                    o.NodeId = "node-2";
                    o.PollInterval = TimeSpan.FromMilliseconds(100);
                },
                services: s => s.AddSingleton(TimeProvider.System),
                cancellationToken: Token);
            var result = await node2.Client.GetResultAsync<int>(instanceId, Token).WaitAsync(StoreClock.Cap, Token);

            // The abandoned step finally returns on node 1: the store fences its commit off.
            probe.Open("first-charge");
            await Poll.UntilAsync(() => deadNodeLogs.Contains(WorkflowEventId.LeaseLost), "node 1 reports its lost lease", cancellationToken: Token);

            Assert.Equal(((1 + 1) * 10) + 5, result);
            Assert.Equal(1, probe.Count("reserve"));
            Assert.Equal(2, probe.Count("charge"));
            Assert.Equal(1, probe.Count("ship"));
            var history = await node2.Client.GetHistoryAsync(instanceId, Token);
            Assert.Equal(["reserve", "charge", "ship"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
            Assert.Single(history.OfType<WorkflowCompletedEvent>());
            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.Position));
            Assert.Equal(2L, await fixture.ScalarAsync<long>(
                $"SELECT count(*) FROM \"{fixture.Schema}\".events WHERE stream_id = $1 AND type = 'step.completed.v1' AND data->>'path' IN ('reserve', 'charge')", instanceId));
        }
        finally
        {
            probe.Open("first-charge");
            await node1.DisposeAsync();
        }
    }
}

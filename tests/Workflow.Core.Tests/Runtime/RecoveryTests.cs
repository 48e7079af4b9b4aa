using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Runtime;
using Workflow.Storage.InMemory;
using Workflow.Telemetry;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class RecoveryTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A three-step workflow whose steps count their executions outside the journal; the second step
    /// blocks on its first execution until the test releases it.</summary>
    internal static WorkflowDefinition<int, int> CountingWorkflow(Probe probe, string name, StepOptions? options = null) =>
        WorkflowDefinition.Create<int>(name)
            .WithDefaultStepOptions(options ?? new StepOptions())
            .Then("reserve", x =>
            {
                probe.Hit("reserve");
                return x + 1;
            })
            .Then("charge", async (x, context, ct) =>
            {
                if (probe.Hit("charge") == 1)
                {
                    // The first execution is the one in flight when its node dies: it never sees its token.
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

    /// <summary>Starts a node on <paramref name="store"/>, starts an instance of the counting workflow on it and waits
    /// until the node is in the middle of the instance's first 'charge'.</summary>
    internal static async Task<TestHost> StartNodeInChargeAsync(
        Probe probe, string workflow, InMemoryWorkflowStore store, string instanceId, FakeTimeProvider? clock = null, CapturingLoggerProvider? logs = null, StepOptions? options = null)
    {
        var node = await TestHost.StartAsync(
            b => b.AddWorkflow(CountingWorkflow(probe, workflow, options)).UseInMemoryStore(store), clock: clock, options: o => o.NodeId = "node-1", logs: logs, cancellationToken: Token);
        await node.Client.StartAsync(CountingWorkflow(probe, workflow, options), 1, new StartWorkflowOptions { InstanceId = instanceId }, Token);
        await Poll.UntilAsync(() => probe.Count("charge") == 1, "the first node is in the middle of 'charge'", cancellationToken: Token);
        return node;
    }

    [Fact]
    public async Task Crash_RuntimeAbandonedMidStep_SecondRuntimeWithFreshDefinitionsFinishesAndEachCompletionIsJournaledOnce()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var storeClock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(storeClock);
        var deadNodeLogs = new CapturingLoggerProvider();

        // Node 1 runs on a clock that never moves: once abandoned, it sends no heartbeat, like a dead process.
        var node1 = await StartNodeInChargeAsync(probe, "crash", store, "crash-1", new FakeTimeProvider(TestHost.Epoch), deadNodeLogs);

        // Node 2: a fresh service provider and freshly built definitions, on the store's clock.
        await using var node2 = await TestHost.StartAsync(
            b => b.AddWorkflow(CountingWorkflow(probe, "crash")).UseInMemoryStore(store),
            clock: storeClock,
            options: o => o.NodeId = "node-2",
            cancellationToken: Token);
        storeClock.Advance(TimeSpan.FromSeconds(31));
        var result = await node2.Client.GetResultAsync<int>("crash-1", Token).OrHang();

        // The abandoned step finally returns on node 1: the store fences its commit off.
        probe.Open("first-charge");
        await Poll.UntilAsync(() => deadNodeLogs.Contains(WorkflowEventId.LeaseLost), "node 1 reports its lost lease", cancellationToken: Token);

        Assert.Equal(((1 + 1) * 10) + 5, result);
        Assert.Equal(1, probe.Count("reserve"));
        Assert.Equal(2, probe.Count("charge"));
        Assert.Equal(1, probe.Count("ship"));
        var history = await node2.Client.GetHistoryAsync("crash-1", Token);
        Assert.Equal(["reserve", "charge", "ship"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Single(history.OfType<WorkflowCompletedEvent>());
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.Position));
        await node1.DisposeAsync();
    }

    [Fact]
    public async Task DeferCommit_CompletionWaitsForTheNextCommit_ACrashBeforeItRunsTheStepAgain()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var deferred = new StepOptions { DeferCommit = true };
        var storeClock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(storeClock);
        var node1 = await StartNodeInChargeAsync(probe, "deferred-crash", store, "deferred-1", new FakeTimeProvider(TestHost.Epoch), options: deferred);

        // 'reserve' completed, but its completion waits for the commit of 'charge', which is in flight.
        var midRun = await node1.Client.GetHistoryAsync("deferred-1", Token);
        Assert.Empty(midRun.OfType<StepCompletedEvent>());

        await using var node2 = await TestHost.StartAsync(
            b => b.AddWorkflow(CountingWorkflow(probe, "deferred-crash", deferred)).UseInMemoryStore(store), clock: storeClock, cancellationToken: Token);
        storeClock.Advance(TimeSpan.FromSeconds(31));
        var result = await node2.Client.GetResultAsync<int>("deferred-1", Token).OrHang();
        probe.Open("first-charge");

        Assert.Equal(25, result);
        Assert.Equal(2, probe.Count("reserve"));
        Assert.Equal(2, probe.Count("charge"));
        Assert.Equal(1, probe.Count("ship"));
        var history = await node2.Client.GetHistoryAsync("deferred-1", Token);
        Assert.Equal(["reserve", "charge", "ship"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(e => e.Position));
        await node1.DisposeAsync();
    }

    [Fact]
    public async Task DeferCommit_Graceful_JournalsTheDeferredCompletionsBeforeHandingOnAndNothingRunsTwice()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var deferred = new StepOptions { DeferCommit = true };
        var store = new InMemoryWorkflowStore(new FakeTimeProvider(TestHost.Epoch));
        var node1 = await StartNodeInChargeAsync(probe, "deferred-graceful", store, "deferred-2", options: deferred);

        var stopping = node1.StopAsync(Token);
        var runtime = node1.Services.GetRequiredService<WorkflowRuntime>();
        await Poll.UntilAsync(() => !runtime.IsRunning, "node 1 is stopping", cancellationToken: Token);
        probe.Open("first-charge");
        await stopping.OrHang();
        var afterStop = await node1.Client.GetHistoryAsync("deferred-2", Token);

        await using var node2 = await TestHost.StartAsync(
            b => b.AddWorkflow(CountingWorkflow(probe, "deferred-graceful", deferred)).UseInMemoryStore(store), cancellationToken: Token);
        var result = await node2.Client.GetResultAsync<int>("deferred-2", Token).OrHang();

        Assert.Equal(25, result);
        Assert.Equal(["reserve", "charge"], afterStop.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Equal(1, probe.Count("reserve"));
        Assert.Equal(1, probe.Count("charge"));
        Assert.Equal(1, probe.Count("ship"));
        await node1.DisposeAsync();
    }

    [Fact]
    public async Task FrontEndStart_IdleWorkerOnAFrozenClock_ClaimsItThroughTheStoresWorkSignal()
    {
        // The worker's clock never moves, so its poll never fires: only the store's work signal can wake it.
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var definition = WorkflowDefinition.Create<int>("handed-over").Then("double", x => x * 2).Build();
        await using var worker = await TestHost.StartAsync(
            b => b.AddWorkflow(definition).UseInMemoryStore(store), clock: clock, options: o => o.NodeId = "worker", cancellationToken: Token);
        await using var frontEnd = await TestHost.StartAsync(
            b => b.AddWorkflow(definition).UseInMemoryStore(store), clock: clock, options: o => o.RunWorker = false, cancellationToken: Token);
        await Poll.UntilAsync(() => !store.HasWorkInFlight(), "the worker is idle", cancellationToken: Token);

        var handle = await frontEnd.Client.StartAsync(definition, 21, cancellationToken: Token);

        Assert.Equal(42, await handle.GetResultAsync(Token).OrHang());
    }

    [Fact]
    public async Task WorkerAtItsConcurrencyLimit_ClaimsTheNextInstanceAsSoonAsARunEnds_OnAFrozenClock()
    {
        // One instance at a time and a clock that never moves: only the end of the first run can wake the dispatcher.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var definition = WorkflowDefinition.Create<int>("one-at-a-time").Then("wait", async (x, context, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return x;
        }).Build();
        await using var worker = await TestHost.StartAsync(
            b => b.AddWorkflow(definition).UseInMemoryStore(store), clock: clock, options: o => o.MaxConcurrentInstances = 1, cancellationToken: Token);
        await using var frontEnd = await TestHost.StartAsync(
            b => b.AddWorkflow(definition).UseInMemoryStore(store), clock: clock, options: o => o.RunWorker = false, cancellationToken: Token);
        var first = await frontEnd.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Poll.UntilAsync(() => worker.Services.GetRequiredService<WorkflowRuntime>().ActiveRuns == 1, "the worker runs the first instance", cancellationToken: Token);
        var second = await frontEnd.Client.StartAsync(definition, 2, cancellationToken: Token);

        gate.SetResult();

        Assert.Equal(1, await first.GetResultAsync(Token).OrHang());
        Assert.Equal(2, await second.GetResultAsync(Token).OrHang());
    }

    [Fact]
    public async Task Shutdown_StepIgnoresCancellationPastTheDeadline_RuntimeStopsAndNothingIsJournaledTwice()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var store = new InMemoryWorkflowStore(new FakeTimeProvider(TestHost.Epoch));
        var node1 = await StartNodeInChargeAsync(probe, "stubborn", store, "stubborn-1");

        using (var deadline = new CancellationTokenSource())
        {
            await deadline.CancelAsync();
            await node1.StopAsync(deadline.Token).OrHang();
        }

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(CountingWorkflow(probe, "stubborn")).UseInMemoryStore(store), cancellationToken: Token);
        var result = await node2.Client.GetResultAsync<int>("stubborn-1", Token).OrHang();
        probe.Open("first-charge");
        await Poll.UntilAsync(() => probe.Count("ship") == 1, "node 2 finished", cancellationToken: Token);

        Assert.Equal(25, result);
        var history = await node2.Client.GetHistoryAsync("stubborn-1", Token);
        Assert.Equal(["reserve", "charge", "ship"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Equal(2, probe.Count("charge"));
        await node1.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_Graceful_FinishesTheStepInFlightAndHandsTheRestToTheNextRuntime()
    {
        var probe = new Probe();
        probe.Close("first-charge");
        var store = new InMemoryWorkflowStore(new FakeTimeProvider(TestHost.Epoch));
        var node1 = await StartNodeInChargeAsync(probe, "graceful", store, "graceful-1");

        var stopping = node1.StopAsync(Token);
        var runtime = node1.Services.GetRequiredService<Workflow.Runtime.WorkflowRuntime>();
        await Poll.UntilAsync(() => !runtime.IsRunning, "node 1 is stopping", cancellationToken: Token);
        probe.Open("first-charge");
        await stopping.OrHang();
        var afterStop = await node1.Client.GetHistoryAsync("graceful-1", Token);

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(CountingWorkflow(probe, "graceful")).UseInMemoryStore(store), cancellationToken: Token);
        var result = await node2.Client.GetResultAsync<int>("graceful-1", Token).OrHang();

        Assert.Equal(25, result);
        Assert.Equal(["reserve", "charge"], afterStop.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Equal(1, probe.Count("charge"));
        Assert.Equal(1, probe.Count("ship"));
        await node1.DisposeAsync();
    }

    [Fact]
    public async Task ConcurrencyLimit_MoreInstancesThanSlots_RunsAtMostTheLimitAndQueuesTheRest()
    {
        var probe = new Probe();
        probe.Close("release");
        var definition = WorkflowDefinition.Create<int>("limited")
            .Then("work", async (x, context, ct) =>
            {
                using (probe.Enter())
                {
                    await probe.WaitAsync("release", ct);
                }

                return x;
            })
            .Build();
        await using var host = await TestHost.StartAsync(
            b => b.AddWorkflow(definition),
            options: o => o.MaxConcurrentInstances = 2,
            services: s => s.AddHealthChecks().AddWorkflowRuntimeCheck(),
            cancellationToken: Token);
        var handles = new List<WorkflowHandle<int>>();
        for (var i = 0; i < 5; i++)
        {
            handles.Add(await host.Client.StartAsync(definition, i, cancellationToken: Token));
        }

        var health = host.Services.GetRequiredService<HealthCheckService>();
        await Poll.UntilAsync(
            async () =>
            {
                var entry = (await health.CheckHealthAsync(Token)).Entries["workflow-runtime"];
                return probe.Running == 2 && (int)entry.Data["activeInstances"] == 2 && (int)entry.Data["queuedInstances"] == 3;
            },
            "two instances run and three wait",
            cancellationToken: Token);
        probe.Open("release");
        await Task.WhenAll(handles.Select(h => h.GetResultAsync(Token))).OrHang();

        Assert.Equal(2, probe.MaxConcurrent);
    }

    [Fact]
    public async Task BackPressure_StartCanceledWhileWaitingForRoom_ThrowsAndTheStartedInstanceStillRuns()
    {
        var probe = new Probe();
        probe.Close("release");
        var definition = WorkflowDefinition.Create<int>("back-pressure-cancel")
            .Then("work", async (x, context, ct) =>
            {
                await probe.WaitAsync("release", ct);
                return x * 2;
            })
            .Build();
        await using var host = await TestHost.StartAsync(
            b => b.AddWorkflow(definition),
            options: o =>
            {
                o.MaxConcurrentInstances = 1;
                o.QueueCapacity = 1;
            },
            cancellationToken: Token);
        await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        await host.Client.StartAsync(definition, 2, cancellationToken: Token);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Token);

        var third = host.Client.StartAsync(definition, 3, new StartWorkflowOptions { InstanceId = "gave-up" }, giveUp.Token);
        await Poll.UntilAsync(async () => (await host.Store.GetInstanceAsync("gave-up", Token)) is not null, "the third instance is written", cancellationToken: Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.OrHang());
        probe.Open("release");

        var result = await Poll.UntilAsync(
            async () => (await host.Client.GetInstanceAsync("gave-up", Token)).Status == WorkflowStatus.Completed ? await host.Client.GetResultAsync<int>("gave-up", Token) as object : null,
            "the instance whose start was canceled completes",
            () => host.Clock.Advance(TimeSpan.FromSeconds(1)),
            Token);
        Assert.Equal(6, result);
    }

    [Fact]
    public async Task BackPressure_QueueFull_StartWaitsUntilThereIsRoom()
    {
        var probe = new Probe();
        probe.Close("release");
        var definition = WorkflowDefinition.Create<int>("back-pressure")
            .Then("work", async (x, context, ct) =>
            {
                await probe.WaitAsync("release", ct);
                probe.Hit($"done-{x}");
                return x;
            })
            .Build();
        await using var host = await TestHost.StartAsync(
            b => b.AddWorkflow(definition),
            options: o =>
            {
                o.MaxConcurrentInstances = 1;
                o.QueueCapacity = 1;
            },
            cancellationToken: Token);
        var first = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var second = await host.Client.StartAsync(definition, 2, cancellationToken: Token);

        var third = host.Client.StartAsync(definition, 3, new StartWorkflowOptions { InstanceId = "third" }, Token)
            .ContinueWith(t => (Handle: t.Result, FirstDone: probe.Count("done-1")), TaskScheduler.Default);
        await Poll.UntilAsync(async () => (await host.Store.GetInstanceAsync("third", Token)) is not null, "the third instance is written", cancellationToken: Token);
        Assert.False(third.IsCompleted, "the start waits while the queue is full");
        probe.Open("release");
        var (handle, firstDoneWhenStartReturned) = await third.OrHang();

        Assert.Equal(1, firstDoneWhenStartReturned);
        Assert.Equal(3, await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(2, await second.GetResultAsync(Token).OrHang());
        Assert.Equal(1, await first.GetResultAsync(Token).OrHang());
    }
}

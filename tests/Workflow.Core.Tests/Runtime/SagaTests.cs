using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Polly.Retry;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Storage.InMemory;
using Workflow.Testing;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class SagaTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Reserve, charge, ship: each undoable; the fourth step fails unless told otherwise.</summary>
    private static WorkflowDefinition<int, string> Trip(Probe probe, string name = "trip") =>
        WorkflowDefinition.Create<int>(name)
            .Then("reserve", x => $"reservation-{x}", compensate: (r, context, ct) => Undo(probe, "reserve", r))
            .Then("charge", async (r, context, ct) =>
            {
                await Task.Yield();
                return $"{r}+charge";
            }, compensate: (c, context, ct) => Undo(probe, "charge", c))
            .Then("notify", (c, context, ct) =>
            {
                probe.Hit("notify");
                return Task.CompletedTask;
            }, compensate: (c, context, ct) => Undo(probe, "notify", c))
            .Then("book", (c, context, ct) =>
            {
                probe.Hit("book");
                if (probe.Count("book-fixed") == 0)
                {
                    throw new StepFailedException("NoSeats", "the flight is full") { NonRetryable = true };
                }

                return Task.FromResult(c + "+booked");
            })
            .Build();

    private static Task Undo(Probe probe, string step, string output)
    {
        probe.Hit($"undo:{step}:{output}");
        probe.Hit("undo-order:" + probe.Count("undo-sequence") + ":" + step);
        probe.Hit("undo-sequence");
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Saga_FourthStepFails_ThreeCompensationsRunInReverseOrderAndAreJournaled()
    {
        var probe = new Probe();
        var definition = Trip(probe);
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await env.Client.StartAsync(definition, 7, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("NoSeats", failed.Failure.ErrorType);
        Assert.Equal(1, probe.Count("undo-order:0:notify"));
        Assert.Equal(1, probe.Count("undo-order:1:charge"));
        Assert.Equal(1, probe.Count("undo-order:2:reserve"));
        Assert.Equal(1, probe.Count("undo:charge:reservation-7+charge"));
        Assert.Equal(1, probe.Count("undo:notify:reservation-7+charge"));
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(
            ["step.failed.v1", "compensation.started.v1", "step.compensated.v1", "step.compensated.v1", "step.compensated.v1", "workflow.failed.v1"],
            history.SkipWhile(e => e is not StepFailedEvent).Select(e => e.EventType));
        Assert.Equal(["notify", "charge", "reserve"], history.OfType<StepCompensatedEvent>().Select(e => e.StepPath));
        Assert.Equal("NoSeats", history.OfType<CompensationStartedEvent>().Single().Failure!.ErrorType);
    }

    [Fact]
    public async Task Saga_CompensationThatAlwaysThrows_IsRetriedRecordedAndTheOthersStillRun()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("bad-compensation")
            .WithDefaultStepOptions(new StepOptions { Retry = new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero } })
            .Then("first", x => x, compensate: (x, context, ct) =>
            {
                probe.Hit("undo-first");
                return Task.CompletedTask;
            })
            .Then("second", x => x, compensate: (x, context, ct) =>
            {
                probe.Hit("undo-second");
                throw new InvalidOperationException("the refund API is down");
            })
            .Then<int>("third", (x, context, ct) => throw new StepFailedException("Boom", "boom") { NonRetryable = true })
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("Boom", failed.Failure.ErrorType);
        Assert.Equal(3, probe.Count("undo-second"));
        Assert.Equal(1, probe.Count("undo-first"));
        var history = await handle.GetHistoryAsync(Token);
        var compensationFailure = history.OfType<StepCompensationFailedEvent>().Single();
        Assert.Equal(("second", 3, typeof(InvalidOperationException).FullName), (compensationFailure.StepPath, compensationFailure.Attempt, compensationFailure.Failure.ErrorType));
        Assert.Equal(["first"], history.OfType<StepCompensatedEvent>().Select(e => e.StepPath));
    }

    [Fact]
    public async Task Cancel_RunsCompensationsButTerminateSkipsThem()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("cancel-vs-terminate")
            .Then("hold-seat", x => x, compensate: (x, context, ct) =>
            {
                probe.Hit($"release-seat-{context.InstanceId}");
                return Task.CompletedTask;
            })
            .WaitForEvent<string>("confirm")
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var canceled = await env.Client.StartAsync(definition, 1, new StartWorkflowOptions { InstanceId = "c" }, Token);
        var terminated = await env.Client.StartAsync(definition, 2, new StartWorkflowOptions { InstanceId = "t" }, Token);
        await env.WaitUntilIdleAsync(Token);

        await canceled.CancelAsync("customer left", Token);
        await terminated.TerminateAsync("fraud", Token);
        await env.WaitUntilIdleAsync(Token);

        await Assert.ThrowsAsync<WorkflowCanceledException>(() => canceled.GetResultAsync(Token).OrHang());
        Assert.Equal(1, probe.Count("release-seat-c"));
        Assert.Equal(0, probe.Count("release-seat-t"));
        Assert.Equal(WorkflowStatus.Terminated, (await terminated.GetInfoAsync(Token)).Status);
        var terminatedEnd = Assert.IsType<WorkflowTerminatedEvent>(await terminated.WaitForCompletionAsync(Token).OrHang());
        Assert.Equal("fraud", terminatedEnd.Reason);
        Assert.DoesNotContain(await terminated.GetHistoryAsync(Token), e => e is CompensationStartedEvent);
    }

    [Fact]
    public async Task WaitForCompletion_PendingWhenTerminatedOrCompleted_ReturnsEachEnd()
    {
        var definition = WorkflowDefinition.Create<int>("waited-on")
            .WaitForEvent<string>("confirm")
            .Then("done", x => x.Length)
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var terminated = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        var completed = await env.Client.StartAsync(definition, 2, cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        var terminatedEnd = terminated.WaitForCompletionAsync(Token);
        var completedEnd = completed.WaitForCompletionAsync(Token);
        var result = completed.GetResultAsync(Token);
        Assert.False(terminatedEnd.IsCompleted || completedEnd.IsCompleted || result.IsCompleted);

        await terminated.TerminateAsync("fraud", Token);
        await completed.RaiseEventAsync("confirm", "yes", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        Assert.Equal("fraud", Assert.IsType<WorkflowTerminatedEvent>(await terminatedEnd.OrHang()).Reason);
        Assert.IsType<WorkflowCompletedEvent>(await completedEnd.OrHang());
        Assert.Equal(3, await result.OrHang());
    }

    [Fact]
    public async Task Terminate_RunningStep_IsCanceledAndNothingMoreIsWritten()
    {
        var probe = new Probe();
        probe.Close("never");
        var definition = WorkflowDefinition.Create<int>("terminate-running")
            .Then("long", async (x, context, ct) =>
            {
                probe.Hit("started");
                try
                {
                    await probe.WaitAsync("never", ct);
                }
                catch (OperationCanceledException)
                {
                    probe.Hit("canceled");
                    throw;
                }

                return x;
            }, compensate: (x, context, ct) =>
            {
                probe.Hit("compensated");
                return Task.CompletedTask;
            })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Poll.UntilAsync(() => probe.Count("started") == 1, "the step runs", cancellationToken: Token);

        await handle.TerminateAsync(cancellationToken: Token);
        await Poll.UntilAsync(() => !((InMemoryWorkflowStore)host.Store).HasWorkInFlight(), "the run ended", cancellationToken: Token);

        Assert.Equal(1, probe.Count("canceled"));
        Assert.Equal(0, probe.Count("compensated"));
        Assert.Equal(["workflow.started.v1", "workflow.terminated.v1"], (await handle.GetHistoryAsync(Token)).Select(e => e.EventType));
    }

    [Fact]
    public async Task Deadline_PassesWhileWaiting_CompensatesAndFailsWithATypedError()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("deadline")
            .WithDeadline(TimeSpan.FromHours(2))
            .Then("hold", x => x, compensate: (x, context, ct) =>
            {
                probe.Hit("released");
                return Task.CompletedTask;
            })
            .WaitForEvent<string>("payment", timeout: TimeSpan.FromDays(1))
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromHours(1), Token);
        Assert.Equal(WorkflowStatus.Running, (await handle.GetInfoAsync(Token)).Status);
        await env.AdvanceTimeAsync(TimeSpan.FromHours(1), Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("Workflow.DeadlineExceeded", failed.Failure.ErrorType);
        Assert.Equal(1, probe.Count("released"));
    }

    [Fact]
    public async Task Reset_FailedInstance_RunsAgainFromTheChosenStepAndKeepsTheJournal()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("reset")
            .Then("fetch", x =>
            {
                probe.Hit("fetch");
                return x + 1;
            })
            .Then("transform", x =>
            {
                probe.Hit("transform");
                return x * 10;
            })
            .Then("load", (x, context, ct) =>
            {
                probe.Hit("load");
                return probe.Count("database-fixed") == 0
                    ? Task.FromException<string>(new StepFailedException("DatabaseDown", "no connection") { NonRetryable = true })
                    : Task.FromResult($"loaded {x}");
            })
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());
        var failedHistory = await handle.GetHistoryAsync(Token);

        probe.Hit("database-fixed");
        await env.Client.ResetAsync(handle.InstanceId, "transform", Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("loaded 20", result);
        Assert.Equal(1, probe.Count("fetch"));
        Assert.Equal(2, probe.Count("transform"));
        Assert.Equal(2, probe.Count("load"));
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(failedHistory.Select(e => e.EventType), history.Take(failedHistory.Count).Select(e => e.EventType));
        Assert.Equal("transform", history.OfType<WorkflowResetEvent>().Single().StepName);
        Assert.Equal(WorkflowStatus.Completed, (await handle.GetInfoAsync(Token)).Status);
    }

    [Fact]
    public async Task Reset_BadInput_IsRejectedWithAClearError()
    {
        var definition = WorkflowDefinition.Create<int>("reset-bad")
            .Then("a", x => x)
            .Then<int>("b", (x, context, ct) => throw new StepFailedException("E", "e") { NonRetryable = true })
            .Then("c", x => x)
            .Build();
        var ok = WorkflowDefinition.Create<int>("reset-ok").Then("only", x => x).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition).AddWorkflow(ok), cancellationToken: Token);
        var failed = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Assert.ThrowsAsync<WorkflowFailedException>(() => failed.GetResultAsync(Token).OrHang());
        var completed = await env.Client.StartAsync(ok, 1, cancellationToken: Token);
        await completed.GetResultAsync(Token).OrHang();

        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => env.Client.ResetAsync(failed.InstanceId, "nope", Token));
        var neverRan = await Assert.ThrowsAsync<ArgumentException>(() => env.Client.ResetAsync(failed.InstanceId, "c", Token));
        var notFailed = await Assert.ThrowsAsync<InvalidOperationException>(() => env.Client.ResetAsync(completed.InstanceId, "only", Token));

        Assert.Contains("has no step 'nope'. Its steps: a, b, c.", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("never ran", neverRan.Message, StringComparison.Ordinal);
        Assert.Contains("is Completed; only a failed instance can be reset", notFailed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_DuringCompensation_TheNextRuntimeFinishesItWithoutRepeatingDoneCompensations()
    {
        var probe = new Probe();
        probe.Close("second-compensation");
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        WorkflowDefinition<int, int> Build() => WorkflowDefinition.Create<int>("restart-saga")
            .Then("one", x => x, compensate: (x, context, ct) =>
            {
                probe.Hit("undo-one");
                return Task.CompletedTask;
            })
            .Then("two", x => x, compensate: async (x, context, ct) =>
            {
                if (probe.Hit("undo-two") == 1)
                {
                    await probe.WaitAsync("second-compensation", ct);
                }
            })
            .Then("three", x => x, compensate: (x, context, ct) =>
            {
                probe.Hit("undo-three");
                return Task.CompletedTask;
            })
            .Then<int>("four", (x, context, ct) => throw new StepFailedException("Boom", "boom") { NonRetryable = true })
            .Build();
        var node1 = await TestHost.StartAsync(b => b.AddWorkflow(Build()).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node1.Client.StartAsync(Build(), 1, new StartWorkflowOptions { InstanceId = "saga-1" }, Token);
        await Poll.UntilAsync(() => probe.Count("undo-two") == 1, "node 1 is compensating 'two'", cancellationToken: Token);
        using (var deadline = new CancellationTokenSource())
        {
            await deadline.CancelAsync();
            await node1.StopAsync(deadline.Token);
        }

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(Build()).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => node2.Client.GetResultAsync<int>("saga-1", Token).OrHang());

        Assert.Equal("Boom", failed.Failure.ErrorType);
        Assert.Equal(1, probe.Count("undo-three"));
        Assert.Equal(2, probe.Count("undo-two"));
        Assert.Equal(1, probe.Count("undo-one"));
        Assert.Equal(["three", "two", "one"], (await node2.Client.GetHistoryAsync("saga-1", Token)).OfType<StepCompensatedEvent>().Select(e => e.StepPath));
        await node1.DisposeAsync();
    }
}

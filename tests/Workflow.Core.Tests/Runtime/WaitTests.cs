using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Storage.InMemory;
using Workflow.Testing;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class WaitTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WaitForEvent_TwoEventsRaisedBeforeTheWaits_AreConsumedFirstInFirstOut()
    {
        var definition = WorkflowDefinition.Create<int>("early-events")
            .Delay("hold", TimeSpan.FromHours(1))
            .WaitForAny("first").On<Note, string>("note", a => a.Then("record-first", n => n.Text)).EndWait()
            .WaitForAny("second").On<Note, string>("note", b => b.Then("record-second", (n, context, ct) =>
                Task.FromResult($"{context.GetStepOutput<string>("record-first")},{n.Text}"))).EndWait()
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        await env.Client.RaiseEventAsync(handle.InstanceId, "note", new Note("one"), cancellationToken: Token);
        await env.Client.RaiseEventAsync(handle.InstanceId, "note", new Note("two"), cancellationToken: Token);
        await env.AdvanceTimeAsync(TimeSpan.FromHours(1), Token);

        Assert.Equal("one,two", await handle.GetResultAsync(Token).OrHang());
        var history = await handle.GetHistoryAsync(Token);
        var raised = history.OfType<EventRaisedEvent>().ToList();
        var consumed = history.OfType<EventConsumedEvent>().ToDictionary(e => e.Path, e => e.RaisedPosition);
        Assert.Equal(raised[0].Position, consumed["first"]);
        Assert.Equal(raised[1].Position, consumed["second"]);
        Assert.Single(history.OfType<TimerFiredEvent>());
    }

    [Fact]
    public async Task WaitForEvent_EventArrivesWhileWaiting_ContinuesWithTheTypedPayload()
    {
        var definition = WorkflowDefinition.Create<string>("approval-event")
            .Then("submit", request => request.ToUpperInvariant())
            .WaitForEvent<Decision>("decision")
            .Then("apply", (decision, context, ct) => Task.FromResult($"{context.GetStepOutput<string>("submit")}:{decision.Approved}:{decision.By}"))
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, "refund", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        Assert.Equal(WorkflowStatus.Running, (await handle.GetInfoAsync(Token)).Status);

        await env.Client.RaiseEventAsync(handle.InstanceId, "decision", JsonSerializer.SerializeToElement(new { approved = true, by = "ada" }), cancellationToken: Token);

        Assert.Equal("REFUND:True:ada", await handle.GetResultAsync(Token).OrHang());
    }

    [Fact]
    public async Task WaitForEvent_AfterDeferredSteps_TheirCompletionsAreJournaledAsTheRunSuspendsAndNotRepeated()
    {
        var runs = 0;
        var deferred = new StepOptions { DeferCommit = true };
        var definition = WorkflowDefinition.Create<string>("deferred-then-wait")
            .Then("submit", request =>
            {
                Interlocked.Increment(ref runs);
                return request.ToUpperInvariant();
            }, deferred)
            .Then("stamp", request => request + "!", deferred)
            .WaitForEvent<Decision>("decision")
            .Then("apply", (decision, context, ct) => Task.FromResult($"{context.GetStepOutput<string>("stamp")}:{decision.By}"))
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, "refund", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        var waiting = await handle.GetHistoryAsync(Token);
        Assert.Equal(["submit", "stamp"], waiting.OfType<StepCompletedEvent>().Select(e => e.StepPath));

        await env.Client.RaiseEventAsync(handle.InstanceId, "decision", new Decision(true, "ada"), cancellationToken: Token);

        Assert.Equal("REFUND!:ada", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(1, runs);
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(["submit", "stamp", "apply"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
    }

    [Fact]
    public async Task WaitForEvent_ThreeDayTimeout_TakesTheTimeoutArmWhenTheClockIsAdvanced()
    {
        var definition = WorkflowDefinition.Create<string>("three-days")
            .WaitForEvent<Decision>("decision", timeout: TimeSpan.FromDays(3), onTimeout: late => late.Then("escalate", r => new Decision(false, "escalated")))
            .Then("record", d => d.By)
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromDays(2), Token);
        Assert.Equal(WorkflowStatus.Running, (await handle.GetInfoAsync(Token)).Status);
        await env.AdvanceTimeAsync(TimeSpan.FromDays(1), Token);

        Assert.Equal("escalated", await handle.GetResultAsync(Token).OrHang());
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(env.Clock.GetUtcNow(), history.OfType<WaitStartedEvent>().Single().Deadline);
        Assert.Single(history.OfType<WaitTimedOutEvent>());
    }

    [Fact]
    public async Task WaitForEvent_TimeoutWithoutArm_FailsWithATypedError()
    {
        var definition = WorkflowDefinition.Create<string>("no-timeout-arm")
            .WaitForEvent<Decision>("decision", timeout: TimeSpan.FromMinutes(5))
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, "x", cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(5), Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("Workflow.WaitTimedOut", failed.Failure.ErrorType);
        Assert.Equal("decision", failed.Failure.StepPath);
    }

    [Fact]
    public async Task WaitForAny_FirstEventWins_AndTheOtherStaysInTheJournal()
    {
        // The instance is held in a first step until both events are raised, so both arrive before the wait.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var definition = WorkflowDefinition.Create<int>("any")
            .Then("hold", async (x, context, ct) =>
            {
                await gate.Task.WaitAsync(ct);
                return x;
            })
            .WaitForAny("outcome", timeout: TimeSpan.FromHours(1))
                .On<Decision, string>("approved", a => a.Then("ship", d => $"shipped by {d.By}"))
                .On<Note>("rejected", r => r.Then("refund", n => $"refunded: {n.Text}"))
                .OnTimeout(t => t.Then("expire", x => "expired"))
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);

        await env.Client.RaiseEventAsync(handle.InstanceId, "rejected", new Note("damaged"), cancellationToken: Token);
        await env.Client.RaiseEventAsync(handle.InstanceId, "approved", new Decision(true, "bob"), cancellationToken: Token);
        gate.SetResult();

        Assert.Equal("refunded: damaged", await handle.GetResultAsync(Token).OrHang());
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(["hold", "outcome/refund"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Equal(["rejected", "approved"], history.OfType<EventRaisedEvent>().Select(e => e.EventName));
    }

    [Fact]
    public async Task RaiseEvent_AddressedToOneForEachBranch_ReachesOnlyThatBranch()
    {
        var definition = WorkflowDefinition.Create<string[]>("reviews")
            .ForEach("reviews", items => items, item => item
                .WaitForEvent<Decision>("review")
                .Then("record", (d, context, ct) => Task.FromResult($"{context.StepPath}:{d.By}")), maxParallelism: 3)
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, ["a", "b", "c"], cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        await env.Client.RaiseEventAsync(handle.InstanceId, "review", new Decision(true, "second"), new RaiseEventOptions { StepPath = "reviews[1]/review" }, Token);
        await env.WaitUntilIdleAsync(Token);
        var afterOne = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().Select(e => e.StepPath).ToList();
        await env.Client.RaiseEventAsync(handle.InstanceId, "review", new Decision(true, "third"), new RaiseEventOptions { StepPath = "reviews[2]/review" }, Token);
        await env.Client.RaiseEventAsync(handle.InstanceId, "review", new Decision(true, "first"), new RaiseEventOptions { StepPath = "reviews[0]/review" }, Token);

        Assert.Equal(["reviews[0]/record:first", "reviews[1]/record:second", "reviews[2]/record:third"], await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(["reviews[1]/record"], afterOne);
    }

    [Fact]
    public async Task RaiseEvent_SameEventIdTwice_IsJournaledOnce()
    {
        var definition = WorkflowDefinition.Create<int>("idempotent-raise").WaitForEvent<Note>("note").Then("done", n => n.Text).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        var options = new RaiseEventOptions { EventId = "webhook-delivery-17" };

        await env.Client.RaiseEventAsync(handle.InstanceId, "note", new Note("hello"), options, Token);
        await env.Client.RaiseEventAsync(handle.InstanceId, "note", new Note("hello"), options, Token);

        Assert.Equal("hello", await handle.GetResultAsync(Token).OrHang());
        Assert.Single((await handle.GetHistoryAsync(Token)).OfType<EventRaisedEvent>());
    }

    [Fact]
    public async Task RaiseEvent_RetryAfterTheEventEndedTheInstance_ReportsSuccessWhileANewEventIsRejected()
    {
        var definition = WorkflowDefinition.Create<int>("idempotent-raise-after-end").WaitForEvent<Note>("note").Then("done", n => n.Text).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        var options = new RaiseEventOptions { EventId = "webhook-delivery-18" };
        await env.Client.RaiseEventAsync(handle.InstanceId, "note", new Note("hello"), options, Token);
        Assert.Equal("hello", await handle.GetResultAsync(Token).OrHang());

        await env.Client.RaiseEventAsync(handle.InstanceId, "note", new Note("hello"), options, Token);
        var other = await Assert.ThrowsAsync<WorkflowEventRejectedException>(() => env.Client.RaiseEventAsync(
            handle.InstanceId, "note", new Note("hello"), new RaiseEventOptions { EventId = "webhook-delivery-19" }, Token));

        Assert.Equal(EventRejectionReason.InstanceEnded, other.Reason);
        Assert.Single((await handle.GetHistoryAsync(Token)).OfType<EventRaisedEvent>());
    }

    [Fact]
    public async Task RaiseEvent_BadInput_IsRejectedWithATypedErrorAndAppendsNothing()
    {
        var definition = WorkflowDefinition.Create<int>("rejects").WaitForEvent<Decision>("decision").Then("done", d => d.By).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var waiting = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        var ended = await env.Client.StartAsync(definition, 2, cancellationToken: Token);
        await env.Client.RaiseEventAsync(ended.InstanceId, "decision", new Decision(true, "x"), cancellationToken: Token);
        await ended.GetResultAsync(Token).OrHang();
        var before = (await waiting.GetHistoryAsync(Token)).Count;

        var badPayload = await Assert.ThrowsAsync<WorkflowEventRejectedException>(() =>
            env.Client.RaiseEventAsync(waiting.InstanceId, "decision", JsonSerializer.SerializeToElement(new { approved = "maybe" }), cancellationToken: Token));
        var unknown = await Assert.ThrowsAsync<WorkflowEventRejectedException>(() =>
            env.Client.RaiseEventAsync(waiting.InstanceId, "nope", new Note("x"), cancellationToken: Token));
        var afterEnd = await Assert.ThrowsAsync<WorkflowEventRejectedException>(() =>
            env.Client.RaiseEventAsync(ended.InstanceId, "decision", new Decision(true, "late"), cancellationToken: Token));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => env.Client.RaiseEventAsync("missing", "decision", new Decision(true, "x"), cancellationToken: Token));

        Assert.Equal(EventRejectionReason.InvalidPayload, badPayload.Reason);
        Assert.Contains("does not fit its type Decision at $.approved", badPayload.Message, StringComparison.Ordinal);
        Assert.Equal(EventRejectionReason.UnknownEvent, unknown.Reason);
        Assert.Contains("The events it waits for: decision.", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(EventRejectionReason.InstanceEnded, afterEnd.Reason);
        Assert.Equal(before, (await waiting.GetHistoryAsync(Token)).Count);
        Assert.Single((await ended.GetHistoryAsync(Token)).OfType<EventRaisedEvent>());
    }

    [Fact]
    public async Task StartOrRaise_StartsTheInstanceWhenMissingAndRaisesToItOtherwise()
    {
        var definition = WorkflowDefinition.Create<string>("signal-with-start")
            .WaitForEvent<Note>("first").WaitForAny("second").On<Note, string>("first", n => n.Then("join", (n, context, ct) =>
                Task.FromResult($"{context.GetWorkflowInput<string>()}:{n.Text}"))).EndWait()
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var options = new StartWorkflowOptions { InstanceId = "cart-7" };

        var started = await env.Client.StartOrRaiseAsync(definition, "input", "first", new Note("a"), options, cancellationToken: Token);
        var raised = await env.Client.StartOrRaiseAsync(definition, "ignored", "first", new Note("b"), options, cancellationToken: Token);

        Assert.Equal("cart-7", raised.InstanceId);
        Assert.Equal("input:b", await started.GetResultAsync(Token).OrHang());
        await Assert.ThrowsAsync<ArgumentException>(() => env.Client.StartOrRaiseAsync(definition, "x", "first", new Note("c"), new StartWorkflowOptions(), cancellationToken: Token));
    }

    [Fact]
    public async Task Delay_FiresOnceWhenDue_AndATimeInThePastFiresAtOnce()
    {
        var probe = new Probe();
        var start = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var definition = WorkflowDefinition.Create<DateTimeOffset>("delays")
            .DelayUntil("past", until => until)
            .Then("after-past", x =>
            {
                probe.Hit("after-past");
                return x;
            })
            .Delay("cool-off", TimeSpan.FromMinutes(30))
            .Then("after-delay", x =>
            {
                probe.Hit("after-delay");
                return x;
            })
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), start, cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, start - TimeSpan.FromDays(1), cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        Assert.Equal(1, probe.Count("after-past"));
        Assert.Equal(0, probe.Count("after-delay"));

        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(29), Token);
        Assert.Equal(0, probe.Count("after-delay"));
        await env.AdvanceTimeAsync(TimeSpan.FromHours(5), Token);

        await handle.GetResultAsync(Token).OrHang();
        Assert.Equal(1, probe.Count("after-delay"));
        var timer = (await handle.GetHistoryAsync(Token)).OfType<TimerStartedEvent>().Single(t => t.Path == "cool-off");
        Assert.Equal(start + TimeSpan.FromMinutes(30), timer.DueAt);
    }

    [Fact]
    public async Task Cancel_WaitingInstance_EndsCanceled()
    {
        var definition = WorkflowDefinition.Create<int>("cancel-waiting").WaitForEvent<Note>("note").Then("done", n => n.Text).Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        await handle.CancelAsync("no longer needed", Token);

        await Assert.ThrowsAsync<WorkflowCanceledException>(() => handle.GetResultAsync(Token).OrHang());
    }

    [Fact]
    public async Task Restart_DuringAWaitAndATimer_TheNextRuntimeContinuesAndEachFiresOnce()
    {
        var probe = new Probe();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        WorkflowDefinition<int, string> Build() => WorkflowDefinition.Create<int>("restart-waits")
            .WaitForEvent<Note>("note")
            .Delay("cool-off", TimeSpan.FromMinutes(10))
            .Then("done", n =>
            {
                probe.Hit("done");
                return n.Text;
            })
            .Build();
        var node1 = await TestHost.StartAsync(b => b.AddWorkflow(Build()).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node1.Client.StartAsync(Build(), 1, new StartWorkflowOptions { InstanceId = "restart-waits-1" }, Token);
        await Poll.UntilAsync(async () => (await store.ReadStreamAsync("restart-waits-1", 1, Workflow.Storage.ReadDirection.Forward, 10, Token)).Count == 1 && !store.HasWorkInFlight(), "node 1 waits", cancellationToken: Token);
        await node1.StopAsync(Token);
        await node1.DisposeAsync();

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(Build()).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node2.Client.RaiseEventAsync("restart-waits-1", "note", new Note("hi"), cancellationToken: Token);
        await Poll.UntilAsync(async () => (await node2.Client.GetHistoryAsync("restart-waits-1", Token)).OfType<TimerStartedEvent>().Any(), "the timer started", cancellationToken: Token);
        await node2.StopAsync(Token);

        await using var node3 = await TestHost.StartAsync(b => b.AddWorkflow(Build()).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        var result = await Poll.UntilAsync(
            async () => (await node3.Client.GetInstanceAsync("restart-waits-1", Token)).Status == WorkflowStatus.Completed ? await node3.Client.GetResultAsync<string>("restart-waits-1", Token) : null,
            "the timer fires on node 3",
            () => clock.Advance(TimeSpan.FromMinutes(1)),
            Token);

        Assert.Equal("hi", result);
        Assert.Equal(1, probe.Count("done"));
        Assert.Single((await node3.Client.GetHistoryAsync("restart-waits-1", Token)).OfType<TimerFiredEvent>());
    }

    public sealed record Note(string Text);

    public sealed record Decision(bool Approved, string By);
}

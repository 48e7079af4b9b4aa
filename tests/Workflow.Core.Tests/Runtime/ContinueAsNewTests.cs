using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Storage;
using Workflow.Storage.InMemory;
using Workflow.Testing;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class ContinueAsNewTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Loop_10000IterationsContinuingAsNewEvery100_KeepsEachJournalUnderAFixedSize()
    {
        const int Iterations = 10_000;
        const int Every = 100;
        IWorkflowStore? store = null;
        var largestJournal = 0;
        var definition = WorkflowDefinition.Create<int>("counter")
            .Then("prepare", x => x)
            .Loop(
                "count",
                body => body.Then("increment", async (x, context, ct) =>
                {
                    // Every iteration looks at the journal as it is while the instance runs.
                    var journal = await store!.ReadStreamAsync(context.InstanceId, 1, ReadDirection.Forward, int.MaxValue, ct);
                    InterlockedMax(ref largestJournal, journal.Count);
                    return x + 1;
                }),
                until: x => x >= Iterations,
                maxIterations: Iterations,
                continueAsNewEvery: Every)
            .Then("report", x => $"counted to {x}")
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        store = env.Services.GetRequiredService<IWorkflowStore>();
        var started = env.Clock.GetUtcNow();

        var handle = await env.Client.StartAsync(definition, 0, cancellationToken: Token);
        var result = await handle.GetResultAsync(Token).OrHang();

        var history = await handle.GetHistoryAsync(Token);
        var continued = Assert.IsType<WorkflowContinuedAsNewEvent>(history[0]);
        Assert.Equal($"counted to {Iterations}", result);

        // One event opens each journal, then each iteration adds its step and its loop decision.
        const int Bound = 1 + (Every * 2) + 2;
        Assert.InRange(largestJournal, 1, Bound);
        Assert.InRange(history.Count, 1, Bound + 1);
        Assert.Equal((Iterations / Every) - 1, continued.Generation);
        Assert.Equal(Iterations - Every, continued.Iteration);
        Assert.Equal(Iterations - Every, continued.Value.GetInt32());
        Assert.Equal("count", continued.LoopPath);
        Assert.Equal(0, continued.Input.GetInt32());
        Assert.Equal(started, continued.StartedAt);
        Assert.Equal(Iterations - 1, history.OfType<LoopIterationCompletedEvent>().Last().Iteration);
        Assert.Equal(WorkflowStatus.Completed, (await handle.GetInfoAsync(Token)).Status);
        Assert.Equal(started, (await handle.GetInfoAsync(Token)).CreatedAt);
    }

    [Fact]
    public async Task ContinueAsNew_RestartBetweenIterations_TheNextRuntimeGoesOnFromTheCarriedValue()
    {
        var probe = new Probe();
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var node1 = await TestHost.StartAsync(b => b.AddWorkflow(Ticker(probe)).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node1.Client.StartAsync(Ticker(probe), 0, new StartWorkflowOptions { InstanceId = "ticker-1" }, Token);
        for (var minute = 0; minute < 4; minute++)
        {
            await Poll.UntilAsync(() => probe.Count("tick") == minute + 1 && !store.HasWorkInFlight(), "the ticker waits for its next minute", cancellationToken: Token);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await Poll.UntilAsync(() => probe.Count("tick") == 5 && !store.HasWorkInFlight(), "the ticker waits in its fifth iteration", cancellationToken: Token);
        await node1.StopAsync(Token);
        await node1.DisposeAsync();

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(Ticker(probe)).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        var first = (await node2.Client.GetHistoryAsync("ticker-1", Token))[0];
        for (var minute = 5; minute < 8; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Poll.UntilAsync(() => probe.Count("tick") == Math.Min(minute + 1, 8), "the ticker runs its next iteration", cancellationToken: Token);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(8, await node2.Client.GetResultAsync<int>("ticker-1", Token).OrHang());
        var continued = Assert.IsType<WorkflowContinuedAsNewEvent>(first);
        Assert.Equal((2, 4, 4), (continued.Generation, continued.Iteration, continued.Value.GetInt32()));
        Assert.Equal(8, probe.Count("tick"));
    }

    [Fact]
    public async Task ContinueAsNew_EventsRaisedButNotYetConsumed_AreCarriedIntoTheNewJournalInOrder()
    {
        var consumed = new ConcurrentQueue<int>();
        var definition = WorkflowDefinition.Create<int>("consumer")
            .Loop(
                "take",
                body => body
                    .Delay("pause", TimeSpan.FromMinutes(1))
                    .WaitForEvent<int>("item")
                    .Then("consume", n =>
                    {
                        consumed.Enqueue(n);
                        return n;
                    }),
                until: n => n == 5,
                maxIterations: 100,
                continueAsNewEvery: 2)
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 0, cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        for (var item = 1; item <= 5; item++)
        {
            await env.Client.RaiseEventAsync(handle.InstanceId, "item", item, cancellationToken: Token);
        }

        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(10), Token);

        Assert.Equal(5, await handle.GetResultAsync(Token).OrHang());
        Assert.Equal([1, 2, 3, 4, 5], consumed);
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(2, Assert.IsType<WorkflowContinuedAsNewEvent>(history[0]).Generation);
        Assert.Equal([5], history.OfType<EventRaisedEvent>().Select(e => e.Payload.GetInt32()));
    }

    [Fact]
    public async Task ContinueAsNew_CancelWhileWaitingInALaterGeneration_CancelsTheInstance()
    {
        var probe = new Probe();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(Ticker(probe)), cancellationToken: Token);
        var handle = await env.Client.StartAsync(Ticker(probe), 0, cancellationToken: Token);
        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(3), Token);

        await env.Client.CancelAsync(handle.InstanceId, "enough", Token);
        await env.WaitUntilIdleAsync(Token);

        Assert.Equal(WorkflowStatus.Canceled, (await handle.GetInfoAsync(Token)).Status);
        Assert.IsType<WorkflowContinuedAsNewEvent>((await handle.GetHistoryAsync(Token))[0]);
        await Assert.ThrowsAsync<WorkflowCanceledException>(() => handle.GetResultAsync(Token));
    }

    [Fact]
    public async Task ContinueAsNew_WorkflowDeadline_CountsFromTheFirstStart()
    {
        var probe = new Probe();
        var definition = WorkflowDefinition.Create<int>("ticker")
            .Loop("ticks", body => body.Then("tick", x =>
            {
                probe.Hit("tick");
                return x + 1;
            }).Delay("wait", TimeSpan.FromMinutes(1)), until: _ => false, maxIterations: int.MaxValue, continueAsNewEvery: 2)
            .WithDeadline(TimeSpan.FromMinutes(5))
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 0, cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(10), Token);

        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token));
        Assert.Equal("Workflow.DeadlineExceeded", failed.Failure.ErrorType);
        Assert.InRange(probe.Count("tick"), 5, 6);
    }

    [Fact]
    public async Task ContinueAsNew_RecordedHistoryOfALaterGeneration_Replays()
    {
        var probe = new Probe();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(Ticker(probe)), cancellationToken: Token);
        var handle = await env.Client.StartAsync(Ticker(probe), 0, cancellationToken: Token);
        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(5), Token);
        var store = env.Services.GetRequiredService<IWorkflowStore>();
        var history = await store.ReadStreamAsync(handle.InstanceId, 1, ReadDirection.Forward, int.MaxValue, Token);

        var same = await WorkflowReplayer.ReplayAsync(history, [Ticker(probe)], Token);
        var loopMoved = await WorkflowReplayer.ReplayAsync(history, [WorkflowDefinition.Create<int>("ticker")
            .Loop("renamed", body => body.Then("tick", x => x + 1).Delay("wait", TimeSpan.FromMinutes(1)), until: x => x >= 8, maxIterations: 100, continueAsNewEvery: 2)
            .Build()], Token);

        Assert.True(same.IsDeterministic, same.Divergence);
        Assert.False(loopMoved.IsDeterministic);
        Assert.Contains("continues loop 'ticks' as new", loopMoved.Divergence, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ContinueAsNewOnANestedLoop_IsRejected()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.Create<int>("nested")
            .Parallel("both",
                a => a.Loop("inner", body => body.Then("step", x => x + 1), until: x => x > 3, maxIterations: 10, continueAsNewEvery: 2),
                b => b.Then("other", x => x),
                (x, y) => x + y)
            .Build());

        Assert.Contains("Loop 'inner' continues as new but is nested in another block", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CompensationBeforeAContinuingLoop_IsRejected()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.Create<int>("saga")
            .Then("reserve", (x, context, ct) => Task.FromResult(x), compensate: (x, context, ct) => Task.CompletedTask)
            .Loop("poll", body => body.Then("check", x => x + 1), until: x => x > 3, maxIterations: 10, continueAsNewEvery: 2)
            .Build());

        Assert.Contains("Step 'reserve' declares a compensation but runs at or before loop 'poll'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NegativeContinueAsNewEvery_IsRejected()
    {
        var error = Assert.Throws<WorkflowDefinitionException>(() => WorkflowDefinition.Create<int>("negative")
            .Loop("poll", body => body.Then("check", x => x + 1), until: x => x > 3, maxIterations: 10, continueAsNewEvery: -1)
            .Build());

        Assert.Contains("Loop 'poll' has continueAsNewEvery -1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Ticks once a minute, eight times, continuing as new every two iterations.</summary>
    private static WorkflowDefinition<int, int> Ticker(Probe probe) =>
        WorkflowDefinition.Create<int>("ticker")
            .Loop(
                "ticks",
                body => body
                    .Then("tick", x =>
                    {
                        probe.Hit("tick");
                        return x + 1;
                    })
                    .Delay("wait", TimeSpan.FromMinutes(1)),
                until: x => x >= 8,
                maxIterations: 100,
                continueAsNewEvery: 2)
            .Build();

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

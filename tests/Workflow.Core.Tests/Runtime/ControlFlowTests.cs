using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class ControlFlowTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(50, "big:100", "true")]
    [InlineData(5, "small:6", "false")]
    public async Task Branch_TakesTheArmOfTheConditionAndJournalsIt(int input, string expected, string arm)
    {
        var definition = WorkflowDefinition.Create<int>("branch")
            .Branch("size", x => x > 10, big => big.Then("big", x => $"big:{x * 2}"), small => small.Then("small", x => $"small:{x + 1}"))
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, input, cancellationToken: Token);

        Assert.Equal(expected, await handle.GetResultAsync(Token).OrHang());
        var history = await handle.GetHistoryAsync(Token);
        var taken = Assert.Single(history.OfType<BranchTakenEvent>());
        Assert.Equal("size", taken.Path);
        Assert.Equal(arm, taken.Arm);
        Assert.Equal(arm == "true" ? "size/big" : "size/small", Assert.Single(history.OfType<StepCompletedEvent>()).StepPath);
        Assert.True(taken.Position < history.OfType<StepCompletedEvent>().Single().Position, "the decision is journaled before the step that depends on it");
    }

    [Theory]
    [InlineData("billing", "invoice team")]
    [InlineData("tech", "engineers")]
    [InlineData("other", "front desk")]
    public async Task Switch_TakesTheMatchingCaseOrTheDefault(string category, string expected)
    {
        var definition = WorkflowDefinition.Create<Ticket>("switch")
            .Switch("route", t => t.Category)
            .Case("billing", b => b.Then("invoice", t => "invoice team"))
            .Case("tech", t => t.Then("engineering", t => "engineers"))
            .Default(d => d.Then("front-desk", t => "front desk"))
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, new Ticket(category), cancellationToken: Token);

        Assert.Equal(expected, await handle.GetResultAsync(Token).OrHang());
        var arm = Assert.Single((await handle.GetHistoryAsync(Token)).OfType<BranchTakenEvent>()).Arm;
        Assert.Equal(category == "other" ? "(default)" : category, arm);
    }

    [Fact]
    public async Task Switch_KeyWithoutCaseOrDefault_FailsTheInstanceNamingTheKey()
    {
        var definition = WorkflowDefinition.Create<int>("switch-no-default")
            .Switch("route", x => x % 3)
            .Case(0, zero => zero.Then("zero", x => "zero"))
            .EndSwitch()
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 7, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("Workflow.NoMatchingCase", failed.Failure.ErrorType);
        Assert.Contains("no case for the key '1'", failed.Failure.Message, StringComparison.Ordinal);
        Assert.True(failed.Failure.NonRetryable);
    }

    [Fact]
    public async Task Condition_ThatThrows_FailsTheInstanceAtTheBranch()
    {
        var definition = WorkflowDefinition.Create<int>("throwing-condition")
            .Branch<int>("check", x => throw new ArgumentOutOfRangeException(nameof(x)), yes => yes.Then("yes", x => x), no => no.Then("no", x => x))
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal(typeof(ArgumentOutOfRangeException).FullName, failed.Failure.ErrorType);
        Assert.Equal("check", failed.Failure.StepPath);
    }

    [Fact]
    public async Task Parallel_RunsBranchesAtOnceAndJoinsTheirTypedOutputs()
    {
        var probe = new Probe();
        probe.Close("both-running");
        var definition = WorkflowDefinition.Create<int>("parallel")
            .Parallel("checks",
                stock => stock.Then("stock", async (x, context, ct) =>
                {
                    using (probe.Enter())
                    {
                        probe.Hit("stock");
                        await probe.WaitAsync("both-running", ct);
                    }

                    return x + 1;
                }),
                credit => credit.Then("credit", async (x, context, ct) =>
                {
                    using (probe.Enter())
                    {
                        probe.Hit("credit");
                        await probe.WaitAsync("both-running", ct);
                    }

                    return $"credit-{x}";
                }),
                (stock, credit) => $"{stock}/{credit}")
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        await Poll.UntilAsync(() => probe.Count("stock") == 1 && probe.Count("credit") == 1, "both branches run", cancellationToken: Token);
        probe.Open("both-running");

        Assert.Equal("2/credit-1", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(2, probe.MaxConcurrent);
        Assert.Equal(["checks/credit", "checks/stock"], (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().Select(e => e.StepPath).Order());
    }

    [Fact]
    public async Task Parallel_OneBranchFails_CancelsTheOtherAndFailsWithThatError()
    {
        var probe = new Probe();
        probe.Close("never");
        var definition = WorkflowDefinition.Create<int>("parallel-failure")
            .Parallel<string>("checks",
                slow => slow.Then("slow", async (x, context, ct) =>
                {
                    try
                    {
                        probe.Hit("slow-started");
                        await probe.WaitAsync("never", ct);
                    }
                    catch (OperationCanceledException)
                    {
                        probe.Hit("slow-canceled");
                        throw;
                    }

                    return "slow";
                }),
                failing => failing.Then("failing", async (x, context, ct) =>
                {
                    await Poll.UntilAsync(() => probe.Count("slow-started") == 1, "the slow branch started", cancellationToken: ct);
                    throw new StepFailedException("OutOfStock", "nothing left") { NonRetryable = true };
#pragma warning disable CS0162 // the lambda must return Task<string>
                    return "failing";
#pragma warning restore CS0162
                }))
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync(Token).OrHang());

        Assert.Equal("OutOfStock", failed.Failure.ErrorType);
        Assert.Equal("checks/failing", failed.Failure.StepPath);
        Assert.Equal(1, probe.Count("slow-canceled"));
        Assert.DoesNotContain(await handle.GetHistoryAsync(Token), e => e is StepCompletedEvent);
    }

    [Fact]
    public async Task ForEach_ProcessesItemsWithinTheParallelismBoundAndKeepsTheirOrder()
    {
        var probe = new Probe();
        probe.Close("release");
        var definition = WorkflowDefinition.Create<int[]>("for-each")
            .ForEach("items", xs => xs, item => item
                .Then("square", async (x, context, ct) =>
                {
                    using (probe.Enter())
                    {
                        await probe.WaitAsync("release", ct);
                    }

                    return x * x;
                })
                .Then("label", (x, context, ct) => Task.FromResult($"{context.GetStepOutput<int>("square")}@{context.StepPath}")),
                maxParallelism: 3)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], cancellationToken: Token);
        await Poll.UntilAsync(() => probe.Running == 3, "three items run at once", cancellationToken: Token);
        probe.Open("release");
        var result = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"{i * i}@items[{i - 1}]/label"), result);
        Assert.Equal(3, probe.MaxConcurrent);
        var paths = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().Select(e => e.StepPath).ToHashSet();
        Assert.Contains("items[9]/square", paths);
        Assert.Equal(20, paths.Count);
    }

    [Fact]
    public async Task ForEach_EmptyCollection_CompletesWithAnEmptyList()
    {
        var definition = WorkflowDefinition.Create<int[]>("for-each-empty")
            .ForEach("items", xs => xs, item => item.Then("double", x => x * 2), maxParallelism: 4)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, [], cancellationToken: Token);

        Assert.Empty(await handle.GetResultAsync(Token).OrHang());
    }

    [Fact]
    public async Task Loop_RunsUntilTheConditionHoldsAndJournalsEachDecision()
    {
        var definition = WorkflowDefinition.Create<int>("loop")
            .Loop("refine", body => body.Then("improve", x => x + 3), until: x => x >= 10, maxIterations: 10)
            .Then("done", x => x)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 1, cancellationToken: Token);

        Assert.Equal(10, await handle.GetResultAsync(Token).OrHang());
        var history = await handle.GetHistoryAsync(Token);
        Assert.Equal(["refine[0]/improve", "refine[1]/improve", "refine[2]/improve", "done"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Equal([true, true, false], history.OfType<LoopIterationCompletedEvent>().Select(e => e.Continues));
        Assert.All(history.OfType<LoopIterationCompletedEvent>(), e => Assert.False(e.LimitReached));
    }

    [Fact]
    public async Task Loop_ReachingItsMaximum_EndsWithTheLastValueAndRecordsTheLimit()
    {
        var definition = WorkflowDefinition.Create<int>("loop-limit")
            .Loop("poll", body => body.Then("check", x => x + 1), until: x => x > 100, maxIterations: 4)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);

        var handle = await host.Client.StartAsync(definition, 0, cancellationToken: Token);

        Assert.Equal(4, await handle.GetResultAsync(Token).OrHang());
        var last = (await handle.GetHistoryAsync(Token)).OfType<LoopIterationCompletedEvent>().Last();
        Assert.Equal(3, last.Iteration);
        Assert.False(last.Continues);
        Assert.True(last.LimitReached);
    }

    public sealed record Ticket(string Category);
}

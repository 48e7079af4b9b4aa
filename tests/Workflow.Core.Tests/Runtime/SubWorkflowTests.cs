using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Exceptions;
using Workflow.Storage.InMemory;
using Workflow.Testing;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class SubWorkflowTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WorkflowDefinition<Payment, Receipt> Charge(Probe probe) =>
        WorkflowDefinition.Create<Payment>("charge")
            .Then("authorize", p => p with { Authorized = true }, compensate: (p, context, ct) =>
            {
                probe.Hit($"void:{context.InstanceId}");
                return Task.CompletedTask;
            })
            .WaitForApproval("confirm", p => new Confirmation(p.Amount))
            .Then("capture", (decision, context, ct) =>
            {
                var payment = context.GetStepOutput<Payment>("authorize");
                return decision.Approved
                    ? Task.FromResult(new Receipt(payment.Amount, context.InstanceId))
                    : Task.FromException<Receipt>(new StepFailedException("Declined", $"declined by {decision.By}") { NonRetryable = true });
            })
            .Build();

    private static WorkflowDefinition<Order, string> Checkout(Probe probe) =>
        WorkflowDefinition.Create<Order>("checkout")
            .Then("price", o => new Payment(o.Items * 10, false))
            .SubWorkflow("pay", Charge(probe), p => p)
            .Then("done", r => $"paid {r.Amount} in {r.ChargeInstance}")
            .Build();

    [Fact]
    public async Task SubWorkflow_ChildCompletes_ItsResultIsJournaledInTheParent()
    {
        var probe = new Probe();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(Checkout(probe)).AddWorkflow(Charge(probe)), cancellationToken: Token);
        var parent = await env.Client.StartAsync(Checkout(probe), new Order(3), new StartWorkflowOptions { InstanceId = "order-1" }, Token);
        await env.WaitUntilIdleAsync(Token);

        var pending = await env.Client.GetPendingApprovalsAsync("order-1/pay", Token);
        await env.Client.AnswerApprovalAsync("order-1/pay", "confirm", true, "customer", cancellationToken: Token);

        Assert.Equal("paid 30 in order-1/pay", await parent.GetResultAsync(Token).OrHang());
        Assert.Equal(30, Assert.Single(pending).Request.GetProperty("amount").GetInt32());
        var history = await parent.GetHistoryAsync(Token);
        Assert.Equal("order-1/pay", history.OfType<SubWorkflowStartedEvent>().Single().ChildInstanceId);
        var ended = history.OfType<SubWorkflowEndedEvent>().Single();
        Assert.Equal(WorkflowStatus.Completed, ended.Status);
        Assert.Equal(30, ended.Output!.Value.GetProperty("amount").GetInt32());
        var childStart = (await env.Client.GetHistoryAsync("order-1/pay", Token)).OfType<WorkflowStartedEvent>().Single();
        Assert.Equal(("order-1", "pay"), (childStart.ParentInstanceId, childStart.ParentStepPath));
    }

    [Fact]
    public async Task SubWorkflow_ChildFails_TheParentFailsWithTheChildsFailureAsCause()
    {
        var probe = new Probe();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(Checkout(probe)).AddWorkflow(Charge(probe)), cancellationToken: Token);
        var parent = await env.Client.StartAsync(Checkout(probe), new Order(1), new StartWorkflowOptions { InstanceId = "order-2" }, Token);
        await env.WaitUntilIdleAsync(Token);

        await env.Client.AnswerApprovalAsync("order-2/pay", "confirm", false, "bank", cancellationToken: Token);
        var failed = await Assert.ThrowsAsync<WorkflowFailedException>(() => parent.GetResultAsync(Token).OrHang());

        Assert.Equal("Workflow.SubWorkflowFailed", failed.Failure.ErrorType);
        Assert.Equal("pay", failed.Failure.StepPath);
        Assert.Equal("Declined", failed.Failure.Cause!.ErrorType);
        Assert.Equal(1, probe.Count("void:order-2/pay"));
    }

    [Fact]
    public async Task Cancel_Parent_CancelsItsRunningChild()
    {
        var probe = new Probe();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(Checkout(probe)).AddWorkflow(Charge(probe)), cancellationToken: Token);
        var parent = await env.Client.StartAsync(Checkout(probe), new Order(2), new StartWorkflowOptions { InstanceId = "order-3" }, Token);
        await env.WaitUntilIdleAsync(Token);

        await parent.CancelAsync("customer left", Token);
        await env.WaitUntilIdleAsync(Token);

        await Assert.ThrowsAsync<WorkflowCanceledException>(() => parent.GetResultAsync(Token).OrHang());
        await Assert.ThrowsAsync<WorkflowCanceledException>(() => env.Client.GetResultAsync<Receipt>("order-3/pay", Token).OrHang());
        Assert.Equal(1, probe.Count("void:order-3/pay"));
    }

    [Fact]
    public async Task Restart_WhileTheChildRuns_TheChildAndThenTheParentFinishOnTheNextRuntime()
    {
        var probe = new Probe();
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var node1 = await TestHost.StartAsync(b => b.AddWorkflow(Checkout(probe)).AddWorkflow(Charge(probe)).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node1.Client.StartAsync(Checkout(probe), new Order(4), new StartWorkflowOptions { InstanceId = "order-4" }, Token);
        await Poll.UntilAsync(async () => (await store.GetInstanceAsync("order-4/pay", Token)) is not null && (await node1.Client.GetPendingApprovalsAsync("order-4/pay", Token)).Count == 1 && !store.HasWorkInFlight(), "the child waits", cancellationToken: Token);
        await node1.StopAsync(Token);
        await node1.DisposeAsync();

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(Checkout(probe)).AddWorkflow(Charge(probe)).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node2.Client.AnswerApprovalAsync("order-4/pay", "confirm", true, "customer", cancellationToken: Token);

        Assert.Equal("paid 40 in order-4/pay", await node2.Client.GetResultAsync<string>("order-4", Token).OrHang());
        Assert.Single((await node2.Client.GetHistoryAsync("order-4/pay", Token)).OfType<WorkflowStartedEvent>());
    }

    [Fact]
    public async Task Start_SubWorkflowWhoseDefinitionIsNotRegistered_FailsAtStartup()
    {
        var probe = new Probe();

        var exception = await Assert.ThrowsAsync<WorkflowDefinitionException>(() =>
            WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(Checkout(probe)), cancellationToken: Token));

        Assert.Contains("Sub-workflow 'pay' runs workflow 'charge' version 1, which is not registered", exception.Problems[0], StringComparison.Ordinal);
    }

    public sealed record Order(int Items);

    public sealed record Payment(decimal Amount, bool Authorized);

    public sealed record Confirmation(decimal Amount);

    public sealed record Receipt(decimal Amount, string ChargeInstance);
}

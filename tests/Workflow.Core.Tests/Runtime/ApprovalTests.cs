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

public sealed class ApprovalTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WaitForApproval_TwoPendingInParallelBranches_AnsweredInReverseOrder_BothContinue()
    {
        var definition = WorkflowDefinition.Create<Expense>("two-approvals")
            .Parallel("sign-off",
                finance => finance.WaitForApproval("finance", e => new Request($"pay {e.Amount}")).Then("finance-result", d => $"finance:{d.Approved}:{d.By}"),
                legal => legal.WaitForApproval("legal", e => new Request($"check {e.Vendor}")).Then("legal-result", d => $"legal:{d.Approved}:{d.By}:{d.Comment}"),
                (f, l) => $"{f}|{l}")
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, new Expense(250, "Acme"), cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        var pending = await env.Client.GetPendingApprovalsAsync(handle.InstanceId, Token);
        await env.Client.AnswerApprovalAsync(handle.InstanceId, "sign-off/legal", approved: true, by: "lee", comment: "contract ok", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        var stillPending = await env.Client.GetPendingApprovalsAsync(handle.InstanceId, Token);
        await env.Client.AnswerApprovalAsync(handle.InstanceId, "sign-off/finance", approved: false, by: "fin", cancellationToken: Token);

        Assert.Equal("finance:False:fin|legal:True:lee:contract ok", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(["sign-off/finance", "sign-off/legal"], pending.Select(p => p.StepPath).Order());
        Assert.Equal("check Acme", pending.Single(p => p.StepPath == "sign-off/legal").Request.GetProperty("text").GetString());
        Assert.Equal(["sign-off/finance"], stillPending.Select(p => p.StepPath));
        var answers = (await handle.GetHistoryAsync(Token)).OfType<ApprovalAnsweredEvent>().ToList();
        Assert.Equal([("sign-off/legal", "lee", "contract ok"), ("sign-off/finance", "fin", null)], answers.Select(a => (a.Path, a.By, a.Comment)));
        Assert.Empty(await env.Client.GetPendingApprovalsAsync(handle.InstanceId, Token));
    }

    [Fact]
    public async Task WaitForApproval_InsideForEach_IsAddressedByItsItemPath()
    {
        var definition = WorkflowDefinition.Create<string[]>("per-item")
            .ForEach("items", xs => xs, item => item.WaitForApproval("ok", x => new Request(x)).Then("decided", d => d.Approved), maxParallelism: 4)
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, ["a", "b"], cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        var pending = await env.Client.GetPendingApprovalsAsync(handle.InstanceId, Token);
        await env.Client.AnswerApprovalAsync(handle.InstanceId, "items[1]/ok", true, "x", cancellationToken: Token);
        await env.Client.AnswerApprovalAsync(handle.InstanceId, "items[0]/ok", false, "x", cancellationToken: Token);

        Assert.Equal([false, true], await handle.GetResultAsync(Token).OrHang());
        Assert.Equal(["items[0]/ok", "items[1]/ok"], pending.Select(p => p.StepPath).Order());
    }

    [Fact]
    public async Task AnswerApproval_NotPendingOrTwice_IsRejectedWithATypedErrorAndAppendsNothing()
    {
        var definition = WorkflowDefinition.Create<int>("answer-twice")
            .WaitForApproval("ok", x => new Request("r"))
            .WaitForEvent<string>("hold")
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 1, cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        var unknown = await Assert.ThrowsAsync<ApprovalNotPendingException>(() => env.Client.AnswerApprovalAsync(handle.InstanceId, "nope", true, "x", cancellationToken: Token));
        await env.Client.AnswerApprovalAsync(handle.InstanceId, "ok", true, "ann", cancellationToken: Token);
        var before = (await handle.GetHistoryAsync(Token)).Count;
        var twice = await Assert.ThrowsAsync<ApprovalNotPendingException>(() => env.Client.AnswerApprovalAsync(handle.InstanceId, "ok", false, "bob", cancellationToken: Token));

        Assert.Contains("no approval was requested at 'nope' (pending: ok)", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("already approved by ann", twice.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await handle.GetHistoryAsync(Token)).Count);
        await Assert.ThrowsAsync<ArgumentException>(() => env.Client.AnswerApprovalAsync(handle.InstanceId, "ok", true, " ", cancellationToken: Token));
    }

    [Fact]
    public async Task WaitForApproval_Deadline_EscalatesThroughTheAuthorsArm()
    {
        var definition = WorkflowDefinition.Create<Expense>("escalation")
            .WaitForApproval("manager", e => new Request($"manager: {e.Amount}"), timeout: TimeSpan.FromDays(1),
                onTimeout: late => late.WaitForApproval("director", e => new Request($"director: {e.Amount}")))
            .Then("decided", d => $"{d.StepPath}:{d.Approved}")
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, new Expense(5000, "Acme"), cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromDays(1), Token);
        var pending = await env.Client.GetPendingApprovalsAsync(handle.InstanceId, Token);
        var late = await Assert.ThrowsAsync<ApprovalNotPendingException>(() => env.Client.AnswerApprovalAsync(handle.InstanceId, "manager", true, "m", cancellationToken: Token));
        await env.Client.AnswerApprovalAsync(handle.InstanceId, "manager/director", true, "d", cancellationToken: Token);

        Assert.Equal("manager/director:True", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal("manager/director", Assert.Single(pending).StepPath);
        Assert.Contains("it timed out", late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestApprovalInStep_AfterTwoJournaledSubCalls_ResumesWithoutRepeatingThem()
    {
        var probe = new Probe();
        var definition = RefundAgent(probe);
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, "order-9", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);

        var pending = Assert.Single(await env.Client.GetPendingApprovalsAsync(handle.InstanceId, Token));
        await env.Client.AnswerApprovalAsync(handle.InstanceId, pending.StepPath, true, "supervisor", "fine", Token);

        Assert.Equal("refunded order-9 (42 EUR) approved by supervisor", await handle.GetResultAsync(Token).OrHang());
        Assert.Equal("agent/refund-tool", pending.StepPath);
        Assert.Equal(42, pending.Request.GetProperty("amount").GetInt32());
        Assert.Equal(1, probe.Count("lookup"));
        Assert.Equal(1, probe.Count("quote"));
        Assert.Equal(2, probe.Count("agent-started"));
        Assert.Equal(1, probe.Count("refund"));
    }

    [Fact]
    public async Task RequestApprovalInStep_RestartBeforeTheAnswer_TheNextRuntimeFinishesWithoutRepeatingWork()
    {
        var probe = new Probe();
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var node1 = await TestHost.StartAsync(b => b.AddWorkflow(RefundAgent(probe)).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node1.Client.StartAsync(RefundAgent(probe), "order-3", new StartWorkflowOptions { InstanceId = "agent-1" }, Token);
        await Poll.UntilAsync(async () => (await node1.Client.GetPendingApprovalsAsync("agent-1", Token)).Count == 1 && !store.HasWorkInFlight(), "the step waits for its approval", cancellationToken: Token);
        await node1.StopAsync(Token);
        await node1.DisposeAsync();

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(RefundAgent(probe)).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node2.Client.AnswerApprovalAsync("agent-1", "agent/refund-tool", true, "ops", cancellationToken: Token);

        Assert.Equal("refunded order-3 (42 EUR) approved by ops", await node2.Client.GetResultAsync<string>("agent-1", Token).OrHang());
        Assert.Equal(1, probe.Count("lookup"));
        Assert.Equal(1, probe.Count("quote"));
        Assert.Equal(1, probe.Count("refund"));
    }

    [Fact]
    public async Task QueryPendingApprovals_AcrossInstances_FollowsRequestsAnswersTimeoutsAndCancellation()
    {
        var inbox = WorkflowDefinition.Create<Expense>("inbox")
            .WaitForApproval("ok", e => new Request($"pay {e.Vendor}"), timeout: TimeSpan.FromDays(1), onTimeout: late => late.WaitForApproval("director", e => new Request($"late: {e.Vendor}")))
            .Then("decided", d => d.Approved)
            .Build();
        var agent = RefundAgent(new Probe());
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(inbox).AddWorkflow(agent), cancellationToken: Token);
        var started = env.Clock.GetUtcNow();
        foreach (var id in new[] { "exp-a", "exp-b", "exp-c" })
        {
            await env.Client.StartAsync(inbox, new Expense(10, id), new StartWorkflowOptions { InstanceId = id }, Token);
        }

        await env.AdvanceTimeAsync(TimeSpan.FromMinutes(1), Token);
        await env.Client.StartAsync(agent, "order-1", new StartWorkflowOptions { InstanceId = "agent-1" }, Token);
        await env.WaitUntilIdleAsync(Token);

        var all = await env.Client.QueryPendingApprovalsAsync(new PendingApprovalQuery(), Token);
        var firstPage = await env.Client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = "inbox", PageSize = 2 }, Token);
        await env.Client.AnswerApprovalAsync("exp-a", "ok", true, "ann", cancellationToken: Token);
        await env.Client.CancelAsync("exp-c", cancellationToken: Token);
        await env.WaitUntilIdleAsync(Token);
        var afterAnswerAndCancel = await env.Client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = "inbox" }, Token);
        await env.AdvanceTimeAsync(TimeSpan.FromDays(1), Token);
        var afterTimeout = await env.Client.QueryPendingApprovalsAsync(new PendingApprovalQuery(), Token);

        Assert.Equal([("exp-a", "ok"), ("exp-b", "ok"), ("exp-c", "ok"), ("agent-1", "agent/refund-tool")], all.Approvals.Select(a => (a.InstanceId, a.StepPath)));
        Assert.Equal(["inbox", "inbox", "inbox", "refund-agent"], all.Approvals.Select(a => a.WorkflowName));
        Assert.Equal("pay exp-b", all.Approvals[1].Request.GetProperty("text").GetString());
        Assert.Equal(started, all.Approvals[0].RequestedAt);
        Assert.Equal(started.AddDays(1), all.Approvals[0].Deadline);
        Assert.Null(all.Approvals[3].Deadline);
        Assert.Equal(["exp-a", "exp-b"], firstPage.Approvals.Select(a => a.InstanceId));
        Assert.NotNull(firstPage.ContinuationToken);
        Assert.Equal(["exp-b"], afterAnswerAndCancel.Approvals.Select(a => a.InstanceId));
        Assert.Equal([("agent-1", "agent/refund-tool"), ("exp-b", "ok/director")], afterTimeout.Approvals.Select(a => (a.InstanceId, a.StepPath)));
    }

    /// <summary>A step like an AI agent's: two journaled calls, then a tool call that needs a person's approval.</summary>
    private static WorkflowDefinition<string, string> RefundAgent(Probe probe) =>
        WorkflowDefinition.Create<string>("refund-agent")
            .Then("agent", async (order, context, ct) =>
            {
                probe.Hit("agent-started");
                var found = await context.RunOnceAsync("lookup", _ => Task.FromResult(probe.Hit("lookup") > 0 ? order : "?"), ct);
                var amount = await context.RunOnceAsync("quote", _ => Task.FromResult(probe.Hit("quote") * 42), ct);
                var decision = await context.RequestApprovalAsync("refund-tool", new RefundRequest(found, amount));
                var done = await context.RunOnceAsync("refund", _ => Task.FromResult(probe.Hit("refund")), ct);
                return $"refunded {found} ({amount} EUR) {(decision.Approved ? "approved" : "rejected")} by {decision.By}";
            })
            .Build();

    public sealed record Expense(decimal Amount, string Vendor);

    public sealed record Request(string Text);

    public sealed record RefundRequest(string Order, int Amount);
}

using Workflow.Mcp.Tests.Infrastructure;
using Workflow.Mcp.TestServer;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Server;

/// <summary>The workflow tools served over stdio by a separate OS process (<c>Workflow.Mcp.TestServer</c>), whose caller
/// is the identity its host configured.</summary>
public sealed class StdioWorkflowToolsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refund_CallerWithoutApproverRole_StartsFollowsAndIsDeniedTheApproval()
    {
        await using var client = await ServerProcess.ConnectAsync(Ct, "workflows", "assistant");

        var started = await client.CallOkAsync("start_refund", new() { ["input"] = new RefundRequest("A-1001", 25m), ["waitSeconds"] = 60 });
        var instanceId = started.GetProperty("instanceId").GetString()!;
        Assert.Equal("Running", started.GetProperty("status").GetString());

        var progress = new ProgressLog();
        var waiting = client.CallOkAsync("get_workflow_result", new() { ["instanceId"] = instanceId, ["waitSeconds"] = 120 }, progress);
        await Poll.UntilAsync(() => progress.Values.Any(static p => p.Message == "waiting for approval manager-approval"), "the waiting call reports the approval", cancellationToken: Ct);

        var pending = await client.CallOkAsync("list_pending_approvals", new());
        var approval = Assert.Single(pending.GetProperty("approvals").EnumerateArray());
        Assert.Equal(instanceId, approval.GetProperty("instanceId").GetString());
        Assert.False(approval.GetProperty("canAnswer").GetBoolean());

        var denied = await client.CallErrorAsync("answer_approval", new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });
        Assert.Contains("Access denied: caller 'assistant' may not answer approval 'manager-approval'", denied, StringComparison.Ordinal);

        var status = await client.CallOkAsync("get_workflow_status", new() { ["instanceId"] = instanceId });
        Assert.Equal("Running", status.GetProperty("status").GetString());
        Assert.Single(status.GetProperty("pendingApprovals").EnumerateArray());
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task Refund_ApproverCaller_AnswersAndReceivesTheResultRecordingWhoAnswered()
    {
        await using var client = await ServerProcess.ConnectAsync(Ct, "workflows", "manager", TestWorkflows.ApproverRole);

        var started = await client.CallOkAsync("start_refund", new() { ["input"] = new RefundRequest("A-1002", 40m), ["waitSeconds"] = 60 });
        var instanceId = started.GetProperty("instanceId").GetString()!;
        var progress = new ProgressLog();
        var waiting = client.CallOkAsync("get_workflow_result", new() { ["instanceId"] = instanceId, ["waitSeconds"] = 120 }, progress);
        await Poll.UntilAsync(() => progress.Values.Any(static p => p.Message == "waiting for approval manager-approval"), "the waiting call reports the approval", cancellationToken: Ct);

        var pending = await client.CallOkAsync("list_pending_approvals", new() { ["instanceId"] = instanceId });
        Assert.True(Assert.Single(pending.GetProperty("approvals").EnumerateArray()).GetProperty("canAnswer").GetBoolean());
        var answered = await client.CallOkAsync("answer_approval", new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });

        var result = await waiting.OrHang();
        Assert.Equal("manager", answered.GetProperty("by").GetString());
        Assert.Equal("Completed", result.GetProperty("status").GetString());
        Assert.Equal("manager", result.GetProperty("output").GetProperty("decidedBy").GetString());
    }

    [Fact]
    public async Task ListTools_OverStdio_ServesTheExposedWorkflowsOnly()
    {
        await using var client = await ServerProcess.ConnectAsync(Ct, "workflows", "assistant");

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        Assert.Contains(tools, static t => t.Name == "start_refund");
        Assert.DoesNotContain(tools, static t => t.Name == "start_hidden");
        Assert.Equal(10, tools.Count);
    }
}

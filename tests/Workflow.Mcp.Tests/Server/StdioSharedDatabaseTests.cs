using Workflow.Mcp.Tests.Infrastructure;
using Workflow.Mcp.TestServer;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Server;

/// <summary>Two stdio server processes, each with its own configured caller, sharing one PostgreSQL schema: the caller
/// of one is denied an approval that the caller of the other then answers, on the same instance.</summary>
public sealed class StdioSharedDatabaseTests
{
    [Fact]
    public async Task Refund_AssistantProcessIsDenied_ManagerProcessAnswers_AssistantReceivesTheResult()
    {
        var ct = TestContext.Current.CancellationToken;
        var environment = new Dictionary<string, string?>
        {
            ["WORKFLOW_TEST_SERVER_POSTGRES"] = RequireConnectionString(),
            ["WORKFLOW_TEST_SERVER_SCHEMA"] = $"mcp_{Guid.NewGuid():N}"[..20],
        };
        await using var assistant = await ServerProcess.ConnectAsync(environment, ct, "workflows", "assistant");
        await using var manager = await ServerProcess.ConnectAsync(environment, ct, "workflows", "manager", TestWorkflows.ApproverRole);

        var started = await assistant.CallOkAsync("start_refund", new() { ["input"] = new RefundRequest("A-2001", 80m), ["waitSeconds"] = 60 });
        var instanceId = started.GetProperty("instanceId").GetString()!;
        var progress = new ProgressLog();
        var waiting = assistant.CallOkAsync("get_workflow_result", new() { ["instanceId"] = instanceId, ["waitSeconds"] = 120 }, progress);
        await Poll.UntilAsync(() => progress.Values.Any(static p => p.Message == "waiting for approval manager-approval"), "the waiting call reports the approval", cancellationToken: ct);

        var pending = await assistant.CallOkAsync("list_pending_approvals", new() { ["instanceId"] = instanceId });
        Assert.False(Assert.Single(pending.GetProperty("approvals").EnumerateArray()).GetProperty("canAnswer").GetBoolean());
        var denied = await assistant.CallErrorAsync("answer_approval", new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });
        Assert.Contains("Access denied: caller 'assistant' may not answer approval 'manager-approval'", denied, StringComparison.Ordinal);

        await manager.CallOkAsync("answer_approval", new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });

        var result = await waiting.OrHang();
        Assert.Equal("Completed", result.GetProperty("status").GetString());
        Assert.Equal("manager", result.GetProperty("output").GetProperty("decidedBy").GetString());
    }

    /// <summary>The database ./test.sh provisions; without it the test is skipped, or fails when CI=true.</summary>
    internal static string RequireConnectionString()
    {
        if (Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES") is { Length: > 0 } connectionString)
        {
            return connectionString;
        }

        const string Reason = "This test needs PostgreSQL: WORKFLOW_TEST_POSTGRES is not set. ./test.sh provisions a throwaway server and sets it.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(Reason + " CI=true, so this fails instead of skipping.");
        }

        Assert.Skip(Reason);
        return null!;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.Mcp.TestServer;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Server;

/// <summary>Service A (a separate process, its own PostgreSQL schema) runs a workflow that calls a workflow of service
/// B (Kestrel on 127.0.0.1, another schema) through MCP; A's process is killed mid-call and started again.</summary>
public sealed class CrossServiceTests
{
    [Fact]
    public async Task CallWorkflow_CallerProcessKilledMidCall_RemoteWorkflowStartsOnceAndTheResultIsJournaledOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = StdioSharedDatabaseTests.RequireConnectionString();
        var suffix = Guid.NewGuid().ToString("N")[..12];
        await using var serviceB = await HttpWorkflowServer.StartAsync(
            workflows: b => b.UsePostgres(connectionString, o => o.Schema = $"mcp_b_{suffix}"), cancellationToken: ct);
        var environmentA = new Dictionary<string, string?>
        {
            ["WORKFLOW_TEST_SERVER_POSTGRES"] = connectionString,
            ["WORKFLOW_TEST_SERVER_SCHEMA"] = $"mcp_a_{suffix}",
        };
        string[] arguments = ["caller", serviceB.Endpoint.ToString(), "alice"];

        await using (var first = await ServerProcess.ConnectAsync(environmentA, ct, arguments))
        {
            await first.CallOkAsync("start_refund-remotely", new() { ["input"] = new RefundRequest("A-9", 12m), ["instanceId"] = "x-1", ["waitSeconds"] = 0 });
            await Poll.UntilAsync(async () => (await serviceB.Client.QueryPendingApprovalsAsync(new PendingApprovalQuery(), ct)).Approvals.Count == 1,
                "B's workflow waits for its approval while A's step waits for B", cancellationToken: ct);

            // Kill A's process (SIGKILL) while its step is in the middle of the call.
            var pid = int.Parse(ToolCalls.Text(await first.CallToolAsync("pid", cancellationToken: ct)), System.Globalization.CultureInfo.InvariantCulture);
            using var processA = System.Diagnostics.Process.GetProcessById(pid);
            processA.Kill();
            await processA.WaitForExitAsync(ct).OrHang();
        }

        await using var second = await ServerProcess.ConnectAsync(environmentA, ct, arguments);
        await serviceB.Client.AnswerApprovalAsync("x-1/remote-refund", "manager-approval", approved: true, by: "manager", cancellationToken: ct);
        var result = await second.CallOkAsync("get_workflow_result", new() { ["instanceId"] = "x-1", ["waitSeconds"] = 120 });

        Assert.Equal("Completed", result.GetProperty("status").GetString());
        Assert.Equal("manager", result.GetProperty("output").GetProperty("decidedBy").GetString());
        var remote = Assert.Single((await serviceB.Client.QueryAsync(new WorkflowInstanceQuery(), ct)).Instances);
        Assert.Equal("x-1/remote-refund", remote.InstanceId);
        Assert.Single((await serviceB.Client.GetHistoryAsync("x-1/remote-refund", ct)).OfType<WorkflowStartedEvent>());

        // A's journal, read with a client that runs no worker.
        var services = new ServiceCollection();
        services.AddWorkflows(o => o.RunWorker = false).AddWorkflow(TestWorkflows.RefundRemotelyWorkflow).UsePostgres(connectionString, o => o.Schema = $"mcp_a_{suffix}");
        await using var journalA = services.BuildServiceProvider();
        var history = await journalA.GetRequiredService<IWorkflowClient>().GetHistoryAsync("x-1", ct);
        Assert.Single(history.OfType<StepCompletedEvent>(), static e => e.StepPath == "remote-refund");
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Mcp.Client;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.Mcp.TestServer;
using Workflow.Storage.InMemory;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Client;

/// <summary>The <c>CallTool</c> and <c>CallWorkflow</c> steps against real MCP servers: a stdio child process and a
/// workflow server on Kestrel.</summary>
public sealed class CallToolStepTests : IDisposable
{
    private readonly string _callLog = Path.Combine(Path.GetTempPath(), $"workflow-mcp-calls-{Guid.NewGuid():N}.log");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => File.Delete(_callLog);

    private static WorkflowDefinition<Greeting, string> RecordThenWait() => WorkflowDefinition.Create<Greeting>("record-then-wait")
        .CallTool("record", "support", "record", static greeting => new Dictionary<string, object?> { ["key"] = greeting.Name })
        .WaitForEvent<Payment>("go")
        .Then("done", static (payment, context, ct) => Task.FromResult($"{context.GetStepOutput<McpToolResult>("record").Text}, then {payment.Amount:0}"))
        .Build();

    private Task<TestHost> StartNodeAsync(InMemoryWorkflowStore store, FakeTimeProvider clock) =>
        TestHost.StartAsync(b => b
            .AddWorkflow(RecordThenWait())
            .UseInMemoryStore(store)
            .AddMcpClient("support", o =>
            {
                ServerProcess.Configure(o, "tools");
                o.EnvironmentVariables["WORKFLOW_TEST_CALL_LOG"] = _callLog;
            }), clock: clock, cancellationToken: Ct);

    [Fact]
    public async Task CallTool_CompletedCall_IsJournaledAndNotRepeatedAfterARestart()
    {
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var node1 = await StartNodeAsync(store, clock);
        await node1.Client.StartAsync(RecordThenWait(), new Greeting("ada"), new StartWorkflowOptions { InstanceId = "rec-1" }, Ct);
        await Poll.UntilAsync(async () => (await node1.Client.GetHistoryAsync("rec-1", Ct)).OfType<StepCompletedEvent>().Any(static e => e.StepPath == "record"),
            "the tool call is journaled", cancellationToken: Ct);
        await node1.StopAsync(Ct);
        await node1.DisposeAsync();

        await using var node2 = await StartNodeAsync(store, clock);
        await node2.Client.RaiseEventAsync("rec-1", "go", new Payment(7m), cancellationToken: Ct);

        Assert.Equal("recorded ada, then 7", await node2.Client.GetResultAsync<string>("rec-1", Ct).OrHang());
        Assert.Equal(["ada"], await File.ReadAllLinesAsync(_callLog, Ct));
    }

    [Fact]
    public async Task CallTool_ToolReturnsAnError_FailsTheInstanceWithTheToolsMessage()
    {
        var workflow = WorkflowDefinition.Create<Greeting>("reserve")
            .CallTool("reserve", "support", "fail", static greeting => new Dictionary<string, object?> { ["sku"] = greeting.Name })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(workflow).AddMcpClient("support", o => ServerProcess.Configure(o, "tools")), cancellationToken: Ct);

        await host.Client.StartAsync(workflow, new Greeting("SKU-9"), new StartWorkflowOptions { InstanceId = "reserve-1" }, Ct);
        var ended = await host.Client.WaitForCompletionAsync("reserve-1", Ct).OrHang();

        var failed = Assert.IsType<WorkflowFailedEvent>(ended);
        Assert.Equal("Mcp.ToolError", failed.Failure.ErrorType);
        Assert.Contains("Tool 'fail' of MCP server 'support' returned an error", failed.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("item SKU-9 is out of stock", failed.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallWorkflow_RemoteWorkflowServer_UsesTheStepsIdempotencyKeyAsTheRemoteInstanceId()
    {
        await using var remote = await HttpWorkflowServer.StartAsync(cancellationToken: Ct);
        var workflow = WorkflowDefinition.Create<Greeting>("greet-remotely")
            .CallWorkflow<Greeting, Greeting, string>("remote-greet", "greeter", TestWorkflows.Greet, static greeting => greeting)
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(workflow).AddMcpClient("greeter", o =>
        {
            o.Endpoint = remote.Endpoint;
            o.Headers["Authorization"] = "Bearer alice";
        }), cancellationToken: Ct);

        await host.Client.StartAsync(workflow, new Greeting("Ada"), new StartWorkflowOptions { InstanceId = "caller-1" }, Ct);

        Assert.Equal("Hello, Ada!", await host.Client.GetResultAsync<string>("caller-1", Ct).OrHang());
        var remoteInstance = Assert.Single((await remote.Client.QueryAsync(new WorkflowInstanceQuery(), Ct)).Instances);
        Assert.Equal("caller-1/remote-greet", remoteInstance.InstanceId);
    }

    [Fact]
    public async Task CallWorkflow_RestartOfTheCallerMidCall_DoesNotStartTheRemoteWorkflowTwice()
    {
        await using var remote = await HttpWorkflowServer.StartAsync(cancellationToken: Ct);
        var workflow = WorkflowDefinition.Create<RefundRequest>("refund-remotely")
            .CallWorkflow<RefundRequest, RefundRequest, RefundOutcome>("remote-refund", "desk", TestWorkflows.Refund, static request => request)
            .Build();
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        Task<TestHost> StartNodeAsync() => TestHost.StartAsync(b => b.AddWorkflow(workflow).UseInMemoryStore(store).AddMcpClient("desk", o =>
        {
            o.Endpoint = remote.Endpoint;
            o.Headers["Authorization"] = "Bearer alice";
        }), clock: clock, cancellationToken: Ct);

        var node1 = await StartNodeAsync();
        await node1.Client.StartAsync(workflow, new RefundRequest("A-3", 9m), new StartWorkflowOptions { InstanceId = "a-1" }, Ct);
        await Poll.UntilAsync(async () => (await remote.Client.QueryPendingApprovalsAsync(new PendingApprovalQuery(), Ct)).Approvals.Count == 1,
            "the remote instance waits for its approval", cancellationToken: Ct);
        await node1.DisposeAsync();

        await using var node2 = await StartNodeAsync();
        await remote.Client.AnswerApprovalAsync("a-1/remote-refund", "manager-approval", approved: true, by: "manager", cancellationToken: Ct);

        var outcome = await node2.Client.GetResultAsync<RefundOutcome>("a-1", Ct).OrHang();
        Assert.Equal(new RefundOutcome("A-3", true, "manager"), outcome);
        var remoteInstance = Assert.Single((await remote.Client.QueryAsync(new WorkflowInstanceQuery(), Ct)).Instances);
        Assert.Equal("a-1/remote-refund", remoteInstance.InstanceId);
        Assert.Single((await remote.Client.GetHistoryAsync("a-1/remote-refund", Ct)).OfType<WorkflowStartedEvent>());
        Assert.Single((await node2.Client.GetHistoryAsync("a-1", Ct)).OfType<StepCompletedEvent>(), static e => e.StepPath == "remote-refund");
    }
}

using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Workflow.Client;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.Mcp.TestServer;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Server;

/// <summary>The workflow tools over stateless Streamable HTTP on a real Kestrel server, driven by the SDK's client,
/// with callers authenticated by a bearer scheme.</summary>
public sealed class HttpWorkflowToolsTests : IAsyncLifetime
{
    private HttpWorkflowServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await HttpWorkflowServer.StartAsync(cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Refund_StartedByAlice_IsDeniedToAliceThenAnsweredByManager()
    {
        await using var alice = await _server.ConnectAsync("alice", Ct);
        await using var manager = await _server.ConnectAsync("manager", Ct);

        var started = await alice.CallOkAsync("start_refund", new() { ["input"] = new RefundRequest("A-1001", 25m), ["waitSeconds"] = 60 });

        // The start tool returns as soon as the instance waits for its approval.
        var instanceId = started.GetProperty("instanceId").GetString()!;
        Assert.Equal("Running", started.GetProperty("status").GetString());
        Assert.Equal("manager-approval", started.GetProperty("pendingApprovals")[0].GetProperty("stepPath").GetString());

        // A waiting call reports what happens as progress; it cannot return before the approval is answered.
        var progress = new ProgressLog();
        var waiting = alice.CallOkAsync("get_workflow_result", new() { ["instanceId"] = instanceId, ["waitSeconds"] = 120 }, progress);
        // The client may handle notifications out of order: wait for both, each sent while the call is pending.
        await Poll.UntilAsync(
            () => progress.Values.Any(static p => p.Message == "waiting for approval manager-approval") && progress.Values.Any(static p => p.Message == "step check-order completed"),
            "the waiting call reports the step and the approval", cancellationToken: Ct);

        var pending = await alice.CallOkAsync("list_pending_approvals", new() { ["instanceId"] = instanceId });
        var approval = Assert.Single(pending.GetProperty("approvals").EnumerateArray());
        Assert.False(approval.GetProperty("canAnswer").GetBoolean());
        Assert.Equal(25m, approval.GetProperty("request").GetProperty("amount").GetDecimal());

        var denied = await alice.CallErrorAsync("answer_approval",
            new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });
        Assert.Contains("Access denied: caller 'alice' may not answer approval 'manager-approval'", denied, StringComparison.Ordinal);
        Assert.Single(await _server.Client.GetPendingApprovalsAsync(instanceId, Ct));
        Assert.False(waiting.IsCompleted);

        var answered = await manager.CallOkAsync("answer_approval",
            new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true, ["comment"] = "fine" });
        Assert.Equal("manager", answered.GetProperty("by").GetString());

        var result = await waiting.OrHang();
        Assert.Equal("Completed", result.GetProperty("status").GetString());
        var output = result.GetProperty("output");
        Assert.True(output.GetProperty("refunded").GetBoolean());
        Assert.Equal("manager", output.GetProperty("decidedBy").GetString());
    }

    [Fact]
    public async Task StartTool_InputSchemaAndAnnotations_DescribeTheWorkflowTruthfully()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);
        var tools = (await client.ListToolsAsync(cancellationToken: Ct)).ToDictionary(static t => t.Name);

        Assert.Equal(
            ["answer_approval", "cancel_workflow", "get_workflow_result", "get_workflow_status", "list_pending_approvals", "list_workflow_instances",
             "raise_workflow_event", "start_greet", "start_order", "start_refund"],
            tools.Keys.Order(StringComparer.Ordinal));
        var start = tools["start_refund"].ProtocolTool;
        Assert.StartsWith("Refunds an order after a manager approves.", start.Description, StringComparison.Ordinal);
        var input = start.InputSchema.GetProperty("properties").GetProperty("input");
        Assert.Equal("The order to refund, for example 'A-1001'.", input.GetProperty("properties").GetProperty("orderId").GetProperty("description").GetString());
        Assert.Equal("The amount to refund, in euros.", input.GetProperty("properties").GetProperty("amount").GetProperty("description").GetString());

        var greeting = tools["start_greet"].ProtocolTool.InputSchema.GetProperty("properties").GetProperty("input");
        Assert.Equal("Whom to greet.", greeting.GetProperty("description").GetString());
        Assert.Equal("The name of the person to greet.", greeting.GetProperty("properties").GetProperty("name").GetProperty("description").GetString());
        Assert.Equal("Gets or sets the greeting's language, as an ISO 639-1 code such as en.",
            greeting.GetProperty("properties").GetProperty("language").GetProperty("description").GetString());

        Assert.Equal((false, false, false), Hints(tools["start_refund"]));
        Assert.Equal((true, false, true), Hints(tools["get_workflow_status"]));
        Assert.Equal((true, false, true), Hints(tools["get_workflow_result"]));
        Assert.Equal((true, false, true), Hints(tools["list_workflow_instances"]));
        Assert.Equal((true, false, true), Hints(tools["list_pending_approvals"]));
        Assert.Equal((false, false, false), Hints(tools["answer_approval"]));
        Assert.Equal((false, false, false), Hints(tools["raise_workflow_event"]));
        Assert.Equal((false, true, true), Hints(tools["cancel_workflow"]));
        Assert.All(tools.Values, static t => Assert.False(t.ProtocolTool.Annotations!.OpenWorldHint));

        static (bool? ReadOnly, bool? Destructive, bool? Idempotent) Hints(McpClientTool tool) =>
            (tool.ProtocolTool.Annotations!.ReadOnlyHint, tool.ProtocolTool.Annotations.DestructiveHint, tool.ProtocolTool.Annotations.IdempotentHint);
    }

    [Fact]
    public async Task StartTool_ShortWorkflow_ReturnsItsOutputWithinTheWait()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var report = await client.CallOkAsync("start_greet", new() { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 60 });

        Assert.Equal("Completed", report.GetProperty("status").GetString());
        Assert.Equal("Hello, Ada!", report.GetProperty("output").GetString());
    }

    [Fact]
    public async Task StartTool_WaitZero_ReturnsTheIdAtOnce_ThenRaiseEventCompletesIt()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var started = await client.CallOkAsync("start_order", new() { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 0, ["instanceId"] = "order-1" });
        Assert.Equal("order-1", started.GetProperty("instanceId").GetString());
        Assert.Equal("Running", started.GetProperty("status").GetString());

        await client.CallOkAsync("raise_workflow_event", new() { ["instanceId"] = "order-1", ["eventName"] = "paid", ["payload"] = new Payment(12.5m) });
        var result = await client.CallOkAsync("get_workflow_result", new() { ["instanceId"] = "order-1", ["waitSeconds"] = 60 });

        Assert.Equal("Completed", result.GetProperty("status").GetString());
        Assert.Equal("paid 12.50", result.GetProperty("output").GetString());
    }

    [Fact]
    public async Task StartTool_WhileItWaits_SendsStepEventsAsProgress()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);
        var progress = new ProgressLog();

        var start = client.CallOkAsync("start_order", new() { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 120, ["instanceId"] = "order-p" }, progress);
        await Poll.UntilAsync(
            () => progress.Values.Any(static p => p.Message == "waiting at paid") && progress.Values.Any(static p => p.Message == "workflow started"),
            "the start tool reports the start and the wait", cancellationToken: Ct);
        Assert.False(start.IsCompleted);
        await client.CallOkAsync("raise_workflow_event", new() { ["instanceId"] = "order-p", ["eventName"] = "paid", ["payload"] = new Payment(3m) });

        var report = await start.OrHang();
        Assert.Equal("Completed", report.GetProperty("status").GetString());
        // Notifications may be handled out of order by the client (and the last ones dropped); each carries its own
        // progress value, counting up in the order they were sent.
        var received = progress.Values;
        Assert.Contains(received, static p => p.Message == "workflow started");
        Assert.Equal(received.Count, received.Select(static p => p.Progress).Distinct().Count());
        Assert.True(received.First(static p => p.Message == "workflow started").Progress < received.First(static p => p.Message == "waiting at paid").Progress);
    }

    [Fact]
    public async Task StartTool_SameInstanceIdAndInput_ReturnsTheExistingInstance()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);
        var arguments = new Dictionary<string, object?> { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 0, ["instanceId"] = "order-2" };

        await client.CallOkAsync("start_order", arguments);
        await client.CallOkAsync("start_order", arguments);

        var page = await _server.Client.QueryAsync(new WorkflowInstanceQuery { WorkflowName = TestWorkflows.Order }, Ct);
        Assert.Single(page.Instances);
    }

    [Fact]
    public async Task CancelTool_RunningInstance_EndsItCanceled()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);
        await client.CallOkAsync("start_order", new() { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 0, ["instanceId"] = "order-3" });

        var canceled = await client.CallOkAsync("cancel_workflow", new() { ["instanceId"] = "order-3", ["reason"] = "customer left" });
        Assert.True(canceled.GetProperty("cancelRequested").GetBoolean());
        var result = await client.CallOkAsync("get_workflow_result", new() { ["instanceId"] = "order-3", ["waitSeconds"] = 60 });

        Assert.Equal("Canceled", result.GetProperty("status").GetString());
        Assert.Contains("Canceled by alice: customer left", result.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListInstances_ShowsOnlyExposedWorkflows()
    {
        await _server.Client.StartAsync(TestWorkflows.Hidden, 1, JsonSerializer.SerializeToElement(new Greeting("x")), new StartWorkflowOptions { InstanceId = "hidden-1" }, Ct);
        await using var client = await _server.ConnectAsync("alice", Ct);
        await client.CallOkAsync("start_greet", new() { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 0, ["instanceId"] = "greet-1" });

        var listed = await client.CallOkAsync("list_workflow_instances", new());
        Assert.Equal(["greet-1"], listed.GetProperty("instances").EnumerateArray().Select(static i => i.GetProperty("instanceId").GetString()));

        var hidden = await client.CallErrorAsync("get_workflow_status", new() { ["instanceId"] = "hidden-1" });
        Assert.Contains("No workflow instance 'hidden-1' exists", hidden, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_ArgumentsNotMatchingTheSchema_NameTheFieldAndStartNothing()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var wrongType = await client.CallErrorAsync("start_refund", new() { ["input"] = new { orderId = "A-1", amount = "lots" } });
        var missing = await client.CallErrorAsync("start_refund", new() { ["input"] = new { orderId = "A-1" } });

        Assert.Contains("'input.amount' must be a number, not a string.", wrongType, StringComparison.Ordinal);
        Assert.Contains("'input.amount' is required.", missing, StringComparison.Ordinal);
        Assert.Contains("Nothing was started.", missing, StringComparison.Ordinal);
        Assert.Empty((await _server.Client.QueryAsync(new WorkflowInstanceQuery(), Ct)).Instances);
    }

    [Fact]
    public async Task BadInput_WaitOutOfRange_IsAToolError()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var error = await client.CallErrorAsync("start_greet", new() { ["input"] = new Greeting("Ada"), ["waitSeconds"] = 100_000 });

        Assert.Contains("The argument 'waitSeconds' must be between 0 and 300, not 100000.", error, StringComparison.Ordinal);
        Assert.Empty((await _server.Client.QueryAsync(new WorkflowInstanceQuery(), Ct)).Instances);
    }

    [Fact]
    public async Task BadInput_UnknownInstanceId_IsAToolError()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var status = await client.CallErrorAsync("get_workflow_status", new() { ["instanceId"] = "nope" });
        var answer = await client.CallErrorAsync("cancel_workflow", new() { ["instanceId"] = "nope" });

        Assert.Contains("No workflow instance 'nope' exists.", status, StringComparison.Ordinal);
        Assert.Contains("No workflow instance 'nope' exists.", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_UnknownWorkflow_IsRefused()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var unknownTool = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await client.CallToolAsync("start_hidden", new Dictionary<string, object?> { ["input"] = new Greeting("x") }, cancellationToken: Ct));
        var unknownFilter = await client.CallErrorAsync("list_workflow_instances", new() { ["workflowName"] = "hidden" });

        Assert.Contains("start_hidden", unknownTool.Message, StringComparison.Ordinal);
        Assert.Contains("This server serves no workflow 'hidden'. It serves: greet, order, refund.", unknownFilter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_AnsweringAnApprovalTwice_TheSecondAnswerIsAToolError()
    {
        await using var manager = await _server.ConnectAsync("manager", Ct);
        var started = await manager.CallOkAsync("start_refund", new() { ["input"] = new RefundRequest("A-7", 5m), ["waitSeconds"] = 60 });
        var instanceId = started.GetProperty("instanceId").GetString()!;
        var answer = new Dictionary<string, object?> { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = false };

        await manager.CallOkAsync("answer_approval", answer);
        var second = await manager.CallErrorAsync("answer_approval", answer);

        Assert.Contains("manager-approval", second, StringComparison.Ordinal);
        var result = await manager.CallOkAsync("get_workflow_result", new() { ["instanceId"] = instanceId, ["waitSeconds"] = 60 });
        Assert.False(result.GetProperty("output").GetProperty("refunded").GetBoolean());
    }

    [Fact]
    public async Task BadInput_HugePayload_IsRefusedBeforeAnythingIsStarted()
    {
        await using var client = await _server.ConnectAsync("alice", Ct);

        var error = await client.CallErrorAsync("start_greet", new() { ["input"] = new Greeting(new string('x', 300_000)) });

        Assert.Contains("this server accepts at most 262,144", error, StringComparison.Ordinal);
        Assert.Empty((await _server.Client.QueryAsync(new WorkflowInstanceQuery(), Ct)).Instances);
    }

    [Fact]
    public async Task Authorization_AnonymousAndDeniedCallers_GetToolErrorsAndStartNothing()
    {
        await using var anonymous = await _server.ConnectAsync(token: null, Ct);
        await using var stranger = await _server.ConnectAsync("stranger", Ct);

        var anonymousError = await anonymous.CallErrorAsync("start_greet", new() { ["input"] = new Greeting("Ada") });
        var strangerError = await stranger.CallErrorAsync("start_greet", new() { ["input"] = new Greeting("Ada") });

        Assert.Contains("Access denied: caller 'anonymous' may not start workflow 'greet'.", anonymousError, StringComparison.Ordinal);
        Assert.Contains("Access denied: caller 'stranger' may not start workflow 'greet'.", strangerError, StringComparison.Ordinal);
        Assert.Empty((await _server.Client.QueryAsync(new WorkflowInstanceQuery(), Ct)).Instances);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelContextProtocol.Client;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Samples;

/// <summary>The SupportDesk samples run as their own processes, as a user runs them: the tool server over stdio, and
/// the workflow host over stdio and over HTTP, whose steps start the tool server as their own child process.</summary>
public sealed class SupportDeskSampleTests
{
    private static readonly string ServerDll = ServerProcess.Locate("SupportDesk.McpServer");
    private static readonly string HostDll = ServerProcess.Locate("SupportDesk.McpHost");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task McpServer_Tools_LookUpSearchAndRefundOnTheBundledData()
    {
        await using var client = await ServerProcess.ConnectToAsync(ServerDll, null, Ct);

        var tools = (await client.ListToolsAsync(cancellationToken: Ct)).ToDictionary(static t => t.Name);
        var order = await client.CallOkAsync("lookup_order", new() { ["orderId"] = "A-1003" });
        var articles = await client.CallOkAsync("search_knowledge_base", new() { ["query"] = "refund approval", ["maxResults"] = 2 });
        var refundArguments = new Dictionary<string, object?> { ["orderId"] = "A-1001", ["amount"] = 30m, ["reason"] = "scratched", ["idempotencyKey"] = "ticket-1" };
        var refund = await client.CallOkAsync("refund_order", refundArguments);
        var again = await client.CallOkAsync("refund_order", refundArguments);
        var unknown = await client.CallErrorAsync("lookup_order", new() { ["orderId"] = "Z-9" });
        var tooMuch = await client.CallErrorAsync("refund_order", new() { ["orderId"] = "A-1001", ["amount"] = 500m, ["reason"] = "x", ["idempotencyKey"] = "ticket-2" });

        Assert.Equal(["lookup_order", "refund_order", "search_knowledge_base"], tools.Keys.Order(StringComparer.Ordinal));
        Assert.True(tools["lookup_order"].ProtocolTool.Annotations!.ReadOnlyHint);
        Assert.False(tools["refund_order"].ProtocolTool.Annotations!.ReadOnlyHint);
        Assert.Equal("Grace Hopper", order.GetProperty("customer").GetString());
        Assert.Equal(["KB-1", "KB-2"], articles.GetProperty("articles").EnumerateArray().Select(static a => a.GetProperty("id").GetString()));
        Assert.Equal("RF-0001", refund.GetProperty("refundId").GetString());
        Assert.Equal("RF-0001", again.GetProperty("refundId").GetString());
        Assert.Contains("No order 'Z-9' exists.", unknown, StringComparison.Ordinal);
        Assert.Contains("The amount must be between 0 and 99.90 EUR", tooMuch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpHost_Stdio_ManagerStartsApprovesAndGetsTheRefundFromTheToolServer()
    {
        await using var client = await ServerProcess.ConnectToAsync(HostDll, null, Ct, "stdio", "maria", "support-manager");

        var result = await RefundAsync(client, client, "A-1003", 200m);

        Assert.True(result.GetProperty("status").GetString() == "Completed", result.ToString());
        var output = result.GetProperty("output");
        Assert.True(output.GetProperty("refunded").GetBoolean());
        Assert.Equal("RF-0001", output.GetProperty("refundId").GetString());
        Assert.Equal("maria", output.GetProperty("decidedBy").GetString());
    }

    [Fact]
    public async Task McpHost_Http_AgentIsDeniedTheApprovalThatTheManagerAnswers()
    {
        var port = FreePort();
        using var host = Process.Start(new ProcessStartInfo("dotnet", [HostDll, "--Urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var endpoint = new Uri($"http://127.0.0.1:{port}/mcp");
            await using var agent = await ConnectWhenUpAsync(endpoint, "agent-token", host);
            await using var manager = await ConnectAsync(endpoint, "manager-token");

            var result = await RefundAsync(agent, manager, "A-1001", 20m, async instanceId =>
            {
                var denied = await agent.CallErrorAsync("answer_approval", new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });
                Assert.Contains("Access denied: caller 'sam' may not answer approval 'manager-approval'", denied, StringComparison.Ordinal);
            });

            Assert.True(result.GetProperty("status").GetString() == "Completed", result.ToString());
            Assert.Equal("maria", result.GetProperty("output").GetProperty("decidedBy").GetString());
            Assert.StartsWith("RF-", result.GetProperty("output").GetProperty("refundId").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Starts a refund as <paramref name="starter"/>, follows it until it waits for approval, lets
    /// <paramref name="beforeAnswer"/> act, answers as <paramref name="approver"/>, and returns the final report.</summary>
    private static async Task<System.Text.Json.JsonElement> RefundAsync(
        McpClient starter, McpClient approver, string orderId, decimal amount, Func<string, Task>? beforeAnswer = null)
    {
        var started = await starter.CallOkAsync("start_support-refund",
            new() { ["input"] = new { orderId, amount, reason = "arrived damaged" }, ["waitSeconds"] = 60 });
        var instanceId = started.GetProperty("instanceId").GetString()!;
        var progress = new ProgressLog();
        var waiting = starter.CallOkAsync("get_workflow_result", new() { ["instanceId"] = instanceId, ["waitSeconds"] = 120 }, progress);
        await Poll.UntilAsync(
            () => progress.Values.Any(static p => p.Message == "waiting for approval manager-approval") && progress.Values.Any(static p => p.Message == "step lookup-order completed"),
            "the refund reports its lookup and waits for its approval", cancellationToken: Ct);

        var pending = await starter.CallOkAsync("list_pending_approvals", new() { ["instanceId"] = instanceId });
        var request = Assert.Single(pending.GetProperty("approvals").EnumerateArray()).GetProperty("request");
        Assert.Equal(amount, request.GetProperty("amount").GetDecimal());
        if (beforeAnswer is not null)
        {
            await beforeAnswer(instanceId);
        }

        await approver.CallOkAsync("answer_approval", new() { ["instanceId"] = instanceId, ["stepPath"] = "manager-approval", ["approved"] = true });
        return await waiting.OrHang();
    }

    private static Task<McpClient> ConnectAsync(Uri endpoint, string token) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }), cancellationToken: Ct);

    private static async Task<McpClient> ConnectWhenUpAsync(Uri endpoint, string token, Process host)
    {
        McpClient? client = null;
        await Poll.UntilAsync(async () =>
        {
            Assert.False(host.HasExited, $"The host exited with {(host.HasExited ? host.ExitCode : 0)}.");
            try
            {
                client = await ConnectAsync(endpoint, token);
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the host listens", cancellationToken: Ct);
        return client!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

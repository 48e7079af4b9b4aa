using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Workflow.AI;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Mcp.Client;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.Mcp.TestServer;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Client;

/// <summary>A server's tools handed to a chat client's tool loop, as an agent uses them: the model's tool call reaches
/// the real server process and its answer goes back to the model.</summary>
public sealed class ChatToolsTests
{
    [Fact]
    public async Task GetToolsAsync_ToolsInAChatToolLoop_TheModelsCallReachesTheServerProcess()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = new ServiceCollection();
        services.AddWorkflows().AddMcpClient("support", o => ServerProcess.Configure(o, "tools"));
        await using var provider = services.BuildServiceProvider();
        var tools = await provider.GetRequiredService<IMcpServers>().GetToolsAsync("support", ct);
        var model = new ScriptedChatClient();
        using var chat = model.AsBuilder().UseFunctionInvocation().Build();

        var response = await chat.GetResponseAsync("Echo 'refund A-1001' for me", new ChatOptions { Tools = [.. tools] }, ct);

        Assert.Equal("The server said: echo: refund A-1001", response.Text);
        Assert.Contains(tools.Single(static t => t.Name == "echo").JsonSchema.GetProperty("properties").EnumerateObject(), static p => p.Name == "text");
    }

    [Fact]
    public async Task AgentStep_ToolsListedFromAServerProcess_TheAgentsToolCallReachesTheServer()
    {
        var ct = TestContext.Current.CancellationToken;
        var services = new ServiceCollection();
        services.AddWorkflows().AddMcpClient("support", o => ServerProcess.Configure(o, "tools"));
        await using var mcp = services.BuildServiceProvider();
        var tools = await mcp.GetRequiredService<IMcpServers>().GetToolsAsync("support", ct);
        var definition = WorkflowDefinition.Create<Greeting>("agent-with-mcp-tools")
            .Agent("assist", static greeting => $"Echo 'refund A-1001' for {greeting.Name}", new AgentOptions { Tools = [.. tools.Where(static t => t.Name == "echo")] })
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition).AddAI(), services: s => s.AddSingleton<IChatClient>(new ScriptedChatClient()), cancellationToken: ct);

        await host.Client.StartAsync(definition, new Greeting("Ada"), new StartWorkflowOptions { InstanceId = "agent-1" }, ct);
        var result = await host.Client.GetResultAsync<AgentResult>("agent-1", ct).OrHang();

        Assert.Equal("The server said: echo: refund A-1001", result.Answer);
        Assert.Equal(1, result.ToolCalls);
    }

    /// <summary>Asks for the echo tool first, then answers with what the tool returned.</summary>
    private sealed class ScriptedChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = messages.SelectMany(static m => m.Contents).OfType<FunctionResultContent>().FirstOrDefault();
            if (result is null)
            {
                Assert.Contains(options!.Tools!, static t => t.Name == "echo");
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                    [new FunctionCallContent("call-1", "echo", new Dictionary<string, object?> { ["text"] = "refund A-1001" })])));
            }

            var text = result.Result switch
            {
                TextContent content => content.Text,
                System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } json => json.GetString(),
                var other => other?.ToString(),
            };
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"The server said: {text}")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The script answers whole responses only.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

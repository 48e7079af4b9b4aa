using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workflow.Mcp.Client;
using Workflow.Mcp.Tests.Infrastructure;
using Workflow.TestUtilities;

namespace Workflow.Mcp.Tests.Client;

/// <summary>MCP servers configured with <c>AddMcpClient</c>, reached over stdio (a child process) and HTTP.</summary>
public sealed class McpServersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Build(Action<McpServerConnectionOptions> configure, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }

        services.AddWorkflows().AddMcpClient("support", configure);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task GetToolsAsync_StdioServer_ToolsAreAIFunctionsThatCallTheServer()
    {
        await using var services = Build(o => ServerProcess.Configure(o, "tools"));
        var servers = services.GetRequiredService<IMcpServers>();

        var tools = await servers.GetToolsAsync("support", Ct);
        var echo = tools.Single(static t => t.Name == "echo");
        var result = await echo.InvokeAsync(new AIFunctionArguments { ["text"] = "hi" }, Ct);

        Assert.Equal(["echo", "exit", "fail", "hang", "pid", "record"], tools.Select(static t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Echoes text.", echo.Description);
        Assert.Equal("echo: hi", Assert.IsType<string>(result));
        Assert.Equal(["support"], servers.Names);
    }

    [Fact]
    public async Task CallToolAsync_ToolReportsAnError_ReturnsAnErrorResult()
    {
        await using var services = Build(o => ServerProcess.Configure(o, "tools"));
        var servers = services.GetRequiredService<IMcpServers>();

        var result = await servers.CallToolAsync("support", "fail", new Dictionary<string, object?> { ["sku"] = "X-1" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.Contains("item X-1 is out of stock", ToolCalls.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallToolAsync_ToolHangs_FailsWithATimeoutNamingTheLimit()
    {
        var clock = new FakeTimeProvider(TestHost.Epoch);
        await using var services = Build(o =>
        {
            ServerProcess.Configure(o, "tools");
            o.CallTimeout = TimeSpan.FromSeconds(30);
        }, clock);
        var servers = services.GetRequiredService<IMcpServers>();
        await servers.CallToolAsync("support", "echo", new Dictionary<string, object?> { ["text"] = "connect first" }, cancellationToken: Ct);

        var call = servers.CallToolAsync("support", "hang", cancellationToken: Ct);
        await Poll.UntilAsync(() => call.IsCompleted, "the call times out", () => clock.Advance(TimeSpan.FromSeconds(5)), Ct);

        var exception = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("MCP server 'support' did not answer the call of tool 'hang' within 00:00:30", exception.Message, StringComparison.Ordinal);
        var after = await servers.CallToolAsync("support", "echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Ct);
        Assert.Equal("echo: still here", ToolCalls.Text(after));
    }

    [Fact]
    public async Task CallToolAsync_ServerExitsMidCall_FailsClearlyAndTheNextCallStartsItAgain()
    {
        await using var services = Build(o => ServerProcess.Configure(o, "tools"));
        var servers = services.GetRequiredService<IMcpServers>();
        var firstPid = ToolCalls.Text(await servers.CallToolAsync("support", "pid", cancellationToken: Ct));

        var exception = await Assert.ThrowsAsync<McpServerUnavailableException>(() => servers.CallToolAsync("support", "exit", cancellationToken: Ct));
        var secondPid = ToolCalls.Text(await servers.CallToolAsync("support", "pid", cancellationToken: Ct));

        Assert.Equal("support", exception.ServerName);
        Assert.Contains("MCP server 'support' closed the connection during the call of tool 'exit'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("the call's outcome is unknown", exception.Message, StringComparison.Ordinal);
        Assert.NotEqual(firstPid, secondPid);
    }

    [Fact]
    public async Task CallToolAsync_ServerCannotStart_FailsNamingTheServerAndItsErrorOutput()
    {
        await using var services = Build(o => ServerProcess.Configure(o, "broken"));
        var servers = services.GetRequiredService<IMcpServers>();

        var exception = await Assert.ThrowsAsync<McpServerUnavailableException>(() => servers.CallToolAsync("support", "echo", cancellationToken: Ct));

        Assert.StartsWith("Could not start or connect to MCP server 'support' with the command 'dotnet ", exception.Message, StringComparison.Ordinal);
        Assert.Contains("the configuration file 'support.json' is missing", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Check the server's configuration in AddMcpClient.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallToolAsync_CommandDoesNotExist_FailsNamingTheCommand()
    {
        await using var services = Build(o => o.Command = "/nonexistent/support-server");
        var servers = services.GetRequiredService<IMcpServers>();

        var exception = await Assert.ThrowsAsync<McpServerUnavailableException>(() => servers.CallToolAsync("support", "echo", cancellationToken: Ct));

        Assert.Contains("with the command '/nonexistent/support-server'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallToolAsync_UnknownServer_ThrowsArgumentExceptionListingTheConfiguredOnes()
    {
        await using var services = Build(o => ServerProcess.Configure(o, "tools"));
        var servers = services.GetRequiredService<IMcpServers>();

        var exception = await Assert.ThrowsAsync<ArgumentException>(() => servers.CallToolAsync("billing", "echo", cancellationToken: Ct));

        Assert.Contains("No MCP server 'billing' is configured. Add it with AddMcpClient(\"billing\", ...). Configured: support.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMcpClient_BothCommandAndEndpoint_FailsValidation()
    {
        using var services = Build(o =>
        {
            o.Command = "dotnet";
            o.Endpoint = new Uri("http://127.0.0.1:1/mcp");
        });

        var exception = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IMcpServers>());

        Assert.Contains("MCP server 'support': set exactly one of Command", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMcpClient_SameNameTwice_Throws()
    {
        var builder = new ServiceCollection().AddWorkflows().AddMcpClient("support", o => o.Command = "a");

        var exception = Assert.Throws<ArgumentException>(() => builder.AddMcpClient("support", o => o.Command = "b"));

        Assert.Contains("An MCP server named 'support' was already added", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallToolAsync_HttpServerWithBearerHeader_CallsAsTheAuthenticatedUser()
    {
        await using var server = await HttpWorkflowServer.StartAsync(cancellationToken: Ct);
        await using var services = Build(o =>
        {
            o.Endpoint = server.Endpoint;
            o.Headers["Authorization"] = "Bearer alice";
        });
        var servers = services.GetRequiredService<IMcpServers>();

        var result = await servers.CallToolAsync("support", "start_greet",
            new Dictionary<string, object?> { ["input"] = new { name = "Ada" }, ["waitSeconds"] = 60 }, cancellationToken: Ct);

        Assert.True(result.IsError != true, ToolCalls.Text(result));
        Assert.Equal("Hello, Ada!", result.StructuredContent!.Value.GetProperty("output").GetString());
    }
}

using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Workflow.Mcp.Tests.Infrastructure;

public static class ToolCalls
{
    /// <summary>Calls a tool that must succeed and returns its structured report.</summary>
    public static async Task<JsonElement> CallOkAsync(
        this McpClient client, string tool, Dictionary<string, object?> arguments, IProgress<ProgressNotificationValue>? progress = null)
    {
        var result = await client.CallToolAsync(tool, arguments, progress, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.IsError != true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        return result.StructuredContent.Value;
    }

    /// <summary>Calls a tool that must fail with a tool error and returns its message.</summary>
    public static async Task<string> CallErrorAsync(this McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.IsError == true, $"{tool} was expected to fail but returned {Text(result)}");
        return Text(result);
    }

    public static string Text(CallToolResult result) => string.Join('\n', result.Content.OfType<TextContentBlock>().Select(static b => b.Text));
}

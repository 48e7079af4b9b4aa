using Microsoft.Extensions.Logging;

namespace Workflow.Mcp.Internal;

internal static partial class Log
{
    public const string ServerCategory = "Workflow.Mcp.Server";
    public const string ClientCategory = "Workflow.Mcp.Client";

    [LoggerMessage(McpEventId.ToolFailed, LogLevel.Error, "The workflow tool '{Tool}' failed unexpectedly; the caller got a generic error.")]
    public static partial void ToolFailed(ILogger logger, Exception exception, string tool);

    [LoggerMessage(McpEventId.ToolDenied, LogLevel.Information, "The workflow tool '{Tool}' denied {Operation} of workflow '{WorkflowName}' to caller '{Caller}'.")]
    public static partial void ToolDenied(ILogger logger, string tool, Server.WorkflowToolOperation operation, string workflowName, string caller);

    [LoggerMessage(McpEventId.ServerConnected, LogLevel.Debug, "Connected to the MCP server '{Server}'.")]
    public static partial void ServerConnected(ILogger logger, string server);

    [LoggerMessage(McpEventId.ServerLost, LogLevel.Warning, "The connection to the MCP server '{Server}' was lost; the next call reconnects.")]
    public static partial void ServerLost(ILogger logger, Exception? exception, string server);

    [LoggerMessage(McpEventId.ServerStartFailed, LogLevel.Warning, "Could not connect to the MCP server '{Server}'.")]
    public static partial void ServerStartFailed(ILogger logger, Exception exception, string server);
}

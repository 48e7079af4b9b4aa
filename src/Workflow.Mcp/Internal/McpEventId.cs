namespace Workflow.Mcp.Internal;

/// <summary>The ids of the log events of the MCP package (categories <c>Workflow.Mcp.Server</c> and
/// <c>Workflow.Mcp.Client</c>), listed in the package README. They take 3000-3099.</summary>
internal static class McpEventId
{
    public const int ToolFailed = 3000;
    public const int ToolDenied = 3001;
    public const int ServerConnected = 3050;
    public const int ServerLost = 3051;
    public const int ServerStartFailed = 3052;
}

using Workflow.Exceptions;

namespace Workflow.Mcp.Client;

/// <summary>An MCP server could not be started or reached, or its connection was lost during a call. A step that
/// gets it is retried per its policy; the next call connects again (a stdio server is started again).</summary>
public sealed class McpServerUnavailableException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="serverName">The server's name, as configured with <c>AddMcpClient</c>.</param>
    /// <param name="message">What happened and what to check.</param>
    /// <param name="innerException">The transport's exception, if any.</param>
    public McpServerUnavailableException(string serverName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ServerName = serverName;
    }

    /// <summary>Gets the server's name.</summary>
    public string ServerName { get; }
}

using Microsoft.Extensions.AI;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Workflow.Mcp.Client;

/// <summary>The MCP servers this application consumes, as configured with <c>AddMcpClient</c>. Connections are
/// opened on first use, shared, and opened again when a server process dies. Thread-safe; resolve it from DI.</summary>
public interface IMcpServers
{
    /// <summary>Gets the names of the configured servers.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Lists a server's tools as <see cref="AIFunction"/>s, for chat clients and agents: invoking one calls
    /// the tool on the server's current connection (reconnecting when needed).</summary>
    /// <param name="server">The server's name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The tools.</returns>
    /// <exception cref="ArgumentException">No server has that name.</exception>
    /// <exception cref="McpServerUnavailableException">The server could not be started or reached.</exception>
    Task<IReadOnlyList<AIFunction>> GetToolsAsync(string server, CancellationToken cancellationToken = default);

    /// <summary>Calls a tool of a server. An error the tool reports comes back as a result with
    /// <see cref="CallToolResult.IsError"/> set; failures to reach the server throw.</summary>
    /// <param name="server">The server's name.</param>
    /// <param name="tool">The tool's name.</param>
    /// <param name="arguments">The arguments, serialized to JSON.</param>
    /// <param name="progress">Receives the server's progress notifications, if any.</param>
    /// <param name="idempotencyKey">A key sent in the request's <c>_meta</c>; a workflow server uses it as the instance
    /// id of a start, so a repeated call finds the instance the first one started.</param>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>The tool's result.</returns>
    /// <exception cref="ArgumentException">No server has that name.</exception>
    /// <exception cref="McpServerUnavailableException">The server could not be started or reached, or it closed the connection during the call.</exception>
    /// <exception cref="TimeoutException">The call took longer than <see cref="McpServerConnectionOptions.CallTimeout"/>.</exception>
    /// <exception cref="McpProtocolException">The server refused the request (for example an unknown tool).</exception>
    Task<CallToolResult> CallToolAsync(
        string server,
        string tool,
        IReadOnlyDictionary<string, object?>? arguments = null,
        IProgress<ProgressNotificationValue>? progress = null,
        string? idempotencyKey = null,
        CancellationToken cancellationToken = default);
}

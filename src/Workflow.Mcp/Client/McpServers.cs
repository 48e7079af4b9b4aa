using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Workflow.Mcp.Client;

internal sealed class McpServers : IMcpServers, IAsyncDisposable
{
    private readonly Dictionary<string, McpServerConnection> _connections = new(StringComparer.Ordinal);

    public McpServers(IOptionsMonitor<McpServerConnectionOptions> options, McpServerRegistrations registrations, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        foreach (var name in registrations.Names)
        {
            _connections.Add(name, new McpServerConnection(name, options.Get(name), timeProvider, loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        }

        Names = [.. _connections.Keys];
    }

    public IReadOnlyCollection<string> Names { get; }

    public async Task<IReadOnlyList<AIFunction>> GetToolsAsync(string server, CancellationToken cancellationToken = default)
    {
        var connection = Get(server);
        var client = await connection.GetClientAsync(cancellationToken).ConfigureAwait(false);
        var tools = await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. tools.Select(tool => new McpServerFunction(this, server, tool.ProtocolTool))];
    }

    public Task<CallToolResult> CallToolAsync(
        string server, string tool, IReadOnlyDictionary<string, object?>? arguments = null, IProgress<ProgressNotificationValue>? progress = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        return Get(server).CallToolAsync(tool, arguments, progress, idempotencyKey, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private McpServerConnection Get(string server)
    {
        ArgumentException.ThrowIfNullOrEmpty(server);
        return _connections.TryGetValue(server, out var connection)
            ? connection
            : throw new ArgumentException(
                $"No MCP server '{server}' is configured. Add it with AddMcpClient(\"{server}\", ...). Configured: {(_connections.Count == 0 ? "none" : string.Join(", ", _connections.Keys))}.",
                nameof(server));
    }

    /// <summary>A server's tool as an <see cref="AIFunction"/> that calls it on the server's current connection, so it
    /// keeps working after a reconnect (the SDK's own client tools are bound to one connection).</summary>
    private sealed class McpServerFunction(McpServers servers, string server, Tool tool) : AIFunction
    {
        public override string Name => tool.Name;

        public override string Description => tool.Description ?? string.Empty;

        public override JsonElement JsonSchema => tool.InputSchema;

        public override JsonElement? ReturnJsonSchema => tool.OutputSchema;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var result = await servers.CallToolAsync(server, tool.Name, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.StructuredContent is { } structured && result.IsError != true)
            {
                return structured;
            }

            // Text is what models read best: plain text for text-only results (errors included, so the model can act
            // on the message), the content items otherwise.
            if (result.Content.All(static block => block is TextContentBlock))
            {
                return string.Join('\n', result.Content.Cast<TextContentBlock>().Select(static block => block.Text));
            }

            var contents = result.Content.Select(static block => block.ToAIContent()).ToList();
            return contents.Count == 1 ? contents[0] : contents;
        }
    }
}

/// <summary>The names given to <c>AddMcpClient</c>, one registration each.</summary>
internal sealed class McpServerRegistrations
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}

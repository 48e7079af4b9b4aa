namespace Workflow.Mcp.Client;

/// <summary>How to reach one MCP server that workflows consume: a command started as a child process speaking MCP
/// over stdio, or the URL of a Streamable HTTP endpoint. Set exactly one of <see cref="Command"/> and <see cref="Endpoint"/>.</summary>
public sealed class McpServerConnectionOptions
{
    /// <summary>Gets or sets the command that starts the server (stdio transport), for example <c>dotnet</c> or <c>npx</c>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Command { get; set; }

    /// <summary>Gets the command's arguments.</summary>
    public IList<string> Arguments { get; } = [];

    /// <summary>Gets or sets the working directory of the server process.</summary>
    /// <value>The default value is <see langword="null"/>: the current directory.</value>
    public string? WorkingDirectory { get; set; }

    /// <summary>Gets environment variables set for the server process, in addition to the inherited ones.</summary>
    public IDictionary<string, string?> EnvironmentVariables { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Gets or sets the URL of the server's Streamable HTTP endpoint.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets HTTP headers sent with every request to <see cref="Endpoint"/>, such as <c>Authorization</c>.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how long a tool call may take before it fails with a <see cref="TimeoutException"/>
    /// (measured with the application's <see cref="TimeProvider"/>).</summary>
    /// <value>The default value is 100 seconds.</value>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets or sets the MCP protocol version to ask for, or <see langword="null"/> to negotiate the newest.
    /// Pin <c>2025-11-25</c> for older servers that ignore the newest version's discovery request.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ProtocolVersion { get; set; }
}

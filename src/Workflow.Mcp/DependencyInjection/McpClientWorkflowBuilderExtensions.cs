using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflow.DependencyInjection;
using Workflow.Mcp.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the MCP servers that workflows consume.</summary>
public static class McpClientWorkflowBuilderExtensions
{
    /// <summary>Adds an MCP server that steps (<c>CallTool</c>, <c>CallWorkflow</c>) and agents (through
    /// <see cref="IMcpServers.GetToolsAsync"/>) can use. It is connected on first use, not at start-up.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="name">The server's name, which steps refer to.</param>
    /// <param name="configure">Sets the command (stdio) or the endpoint (HTTP) and the call timeout.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A server with that name was already added.</exception>
    public static IWorkflowBuilder AddMcpClient(this IWorkflowBuilder builder, string name, Action<McpServerConnectionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        var registrations = builder.Services
            .FirstOrDefault(static d => d.ServiceType == typeof(McpServerRegistrations) && d.ImplementationInstance is not null)?.ImplementationInstance as McpServerRegistrations;
        if (registrations is null)
        {
            registrations = new McpServerRegistrations();
            builder.Services.AddSingleton(registrations);
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.TryAddSingleton<McpServers>();
            builder.Services.TryAddSingleton<IMcpServers>(static sp => sp.GetRequiredService<McpServers>());
        }

        if (!registrations.Names.Add(name))
        {
            throw new ArgumentException($"An MCP server named '{name}' was already added; give each server its own name.", nameof(name));
        }

        builder.Services.AddOptions<McpServerConnectionOptions>(name)
            .Configure(configure)
            .Validate(static o => o.Command is { Length: > 0 } != o.Endpoint is not null,
                $"MCP server '{name}': set exactly one of Command (a process speaking MCP over stdio) and Endpoint (a Streamable HTTP URL).")
            .Validate(static o => o.CallTimeout > TimeSpan.Zero, $"MCP server '{name}': CallTimeout must be positive.")
            .ValidateOnStart();
        return builder;
    }
}

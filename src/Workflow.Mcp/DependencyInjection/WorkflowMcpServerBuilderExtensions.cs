using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using Workflow.Mcp.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves workflows as MCP tools on an MCP server built with <c>AddMcpServer()</c>.</summary>
public static class WorkflowMcpServerBuilderExtensions
{
    /// <summary>
    /// Exposes the workflows named in <see cref="WorkflowToolOptions.Workflows"/> as tools of this MCP server: a
    /// <c>start_{workflow}</c> tool per workflow, whose input schema comes from the workflow's input type, and generic
    /// tools to read an instance's status and result, list instances and pending approvals, answer approvals, raise
    /// events and cancel. What each caller may do is decided by the <see cref="IWorkflowToolAuthorizer"/> registered
    /// in DI (without one, every request is denied). The workflows must be registered with <c>AddWorkflows()</c>.
    /// </summary>
    /// <param name="builder">The MCP server builder.</param>
    /// <param name="configure">Names the workflows to expose and sets the waits and limits.</param>
    /// <returns>The builder.</returns>
    /// <remarks>The tools are built when the server's options are first resolved; a name that is not registered then
    /// throws <see cref="InvalidOperationException"/> listing the registered workflows.</remarks>
    public static IMcpServerBuilder WithWorkflowTools(this IMcpServerBuilder builder, Action<WorkflowToolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<WorkflowToolOptions>()
            .Configure(configure)
            .Validate(static o => o.DefaultWait >= TimeSpan.Zero && o.MaxWait >= o.DefaultWait, "WorkflowToolOptions: DefaultWait must be between zero and MaxWait.")
            .Validate(static o => o.MaxArgumentBytes > 0, "WorkflowToolOptions: MaxArgumentBytes must be positive.");
        builder.Services.TryAddSingleton<WorkflowToolSet>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<McpServerOptions>, WorkflowToolsSetup>());
        return builder;
    }

    private sealed class WorkflowToolsSetup(WorkflowToolSet tools) : IPostConfigureOptions<McpServerOptions>
    {
        public void PostConfigure(string? name, McpServerOptions options)
        {
            options.ToolCollection ??= new McpServerPrimitiveCollection<McpServerTool>();
            foreach (var tool in tools.Tools)
            {
                options.ToolCollection.TryAdd(tool);
            }
        }
    }
}

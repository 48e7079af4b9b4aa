using System.Security.Claims;

namespace Workflow.Mcp.Server;

/// <summary>Options of the workflow tools an MCP server exposes (<c>WithWorkflowTools</c>).</summary>
public sealed class WorkflowToolOptions
{
    /// <summary>Gets the names of the workflows exposed: each gets a start tool, and the generic tools see only their
    /// instances. Each must be registered with <c>AddWorkflow</c>; starts use the newest registered version.</summary>
    public ISet<string> Workflows { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Gets or sets how long a start tool, and <c>get_workflow_result</c>, wait for the instance to end when
    /// the caller does not say (<c>waitSeconds</c>).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan DefaultWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the longest wait a caller may ask for.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the largest tool arguments accepted, in UTF-8 bytes of JSON; larger calls are refused
    /// with a tool error before anything is read or written.</summary>
    /// <value>The default value is 256 KiB.</value>
    public int MaxArgumentBytes { get; set; } = 256 * 1024;

    /// <summary>Gets or sets the identity of callers whose requests carry no user: the stdio and stream transports,
    /// where whoever starts the server process vouches for who uses it. Over HTTP the caller is always the ASP.NET
    /// Core user (an anonymous one when unauthenticated), never this identity.</summary>
    /// <value>The default value is <see langword="null"/>: such callers are anonymous.</value>
    public ClaimsPrincipal? LocalCaller { get; set; }
}

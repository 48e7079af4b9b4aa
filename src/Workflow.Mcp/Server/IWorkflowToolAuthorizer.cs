namespace Workflow.Mcp.Server;

/// <summary>
/// Decides, per caller, what the workflow tools may do: which workflows may be started, which approvals answered,
/// which events raised, which instances canceled and read. Register one in DI; without one, every request is denied.
/// </summary>
/// <remarks>It is resolved from the MCP request's services, so it may be scoped. A denial reaches the caller as a
/// tool error naming what was refused; nothing is written.</remarks>
public interface IWorkflowToolAuthorizer
{
    /// <summary>Decides whether a request is allowed.</summary>
    /// <param name="request">The caller and what they ask to do.</param>
    /// <param name="cancellationToken">A token to cancel the decision.</param>
    /// <returns><see langword="true"/> to allow the request.</returns>
    ValueTask<bool> AuthorizeAsync(WorkflowToolRequest request, CancellationToken cancellationToken = default);
}

using System.Security.Claims;

namespace Workflow.Mcp.Server;

/// <summary>One request of a caller to the workflow tools, for <see cref="IWorkflowToolAuthorizer"/> to allow or deny.</summary>
public sealed class WorkflowToolRequest
{
    /// <summary>Initializes a request.</summary>
    /// <param name="caller">Who asks.</param>
    /// <param name="operation">What they ask to do.</param>
    /// <param name="workflowName">The workflow concerned.</param>
    public WorkflowToolRequest(ClaimsPrincipal caller, WorkflowToolOperation operation, string workflowName)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentException.ThrowIfNullOrEmpty(workflowName);
        Caller = caller;
        Operation = operation;
        WorkflowName = workflowName;
    }

    /// <summary>Gets who asks: over HTTP the authenticated ASP.NET Core user (unauthenticated when the request carried
    /// no credentials); over stdio the identity the host configured in <see cref="WorkflowToolOptions.LocalCaller"/>.</summary>
    public ClaimsPrincipal Caller { get; }

    /// <summary>Gets the caller's name (<see cref="ClaimsIdentity.Name"/>), or <see langword="null"/> for an anonymous caller.
    /// Answers to approvals record this name.</summary>
    public string? CallerName => Caller.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : null;

    /// <summary>Gets what the caller asks to do.</summary>
    public WorkflowToolOperation Operation { get; }

    /// <summary>Gets the workflow concerned.</summary>
    public string WorkflowName { get; }

    /// <summary>Gets the instance concerned, or <see langword="null"/> for <see cref="WorkflowToolOperation.Start"/>
    /// without a caller-chosen instance id.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Gets the path of the approval to answer, for <see cref="WorkflowToolOperation.AnswerApproval"/>.</summary>
    public string? StepPath { get; init; }

    /// <summary>Gets the name of the event to raise, for <see cref="WorkflowToolOperation.RaiseEvent"/>.</summary>
    public string? EventName { get; init; }
}

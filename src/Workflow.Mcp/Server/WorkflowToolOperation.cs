namespace Workflow.Mcp.Server;

/// <summary>What a caller of the workflow tools asks to do, as <see cref="IWorkflowToolAuthorizer"/> sees it.</summary>
public enum WorkflowToolOperation
{
    /// <summary>Read an instance: its status, result, pending approvals, or its entry in a listing.</summary>
    Read = 1,

    /// <summary>Start an instance of a workflow.</summary>
    Start = 2,

    /// <summary>Answer a pending approval; the caller's name is journaled as who answered.</summary>
    AnswerApproval = 3,

    /// <summary>Raise an external event to an instance.</summary>
    RaiseEvent = 4,

    /// <summary>Cancel an instance.</summary>
    Cancel = 5,
}

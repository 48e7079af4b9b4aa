namespace Workflow.Mcp.Internal;

/// <summary>The names of the tools a workflow server exposes. Clients that call workflows (<c>CallWorkflow</c>) use the
/// same names, so they live in one place.</summary>
internal static class WorkflowToolNames
{
    public const string GetStatus = "get_workflow_status";
    public const string GetResult = "get_workflow_result";
    public const string ListInstances = "list_workflow_instances";
    public const string ListPendingApprovals = "list_pending_approvals";
    public const string AnswerApproval = "answer_approval";
    public const string RaiseEvent = "raise_workflow_event";
    public const string Cancel = "cancel_workflow";

    /// <summary>The start tool of a workflow: <c>start_</c> plus its name, with '.' (which some clients refuse in
    /// tool names) turned into '_'.</summary>
    public static string Start(string workflowName) => "start_" + workflowName.Replace('.', '_');
}

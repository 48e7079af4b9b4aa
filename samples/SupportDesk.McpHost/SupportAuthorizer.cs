using Workflow.Mcp.Server;

namespace SupportDesk.McpHost;

#region mcp-authorizer
// Decides per caller what the workflow tools may do. Callers are ASP.NET Core users over HTTP and the configured
// identity over stdio; the name of whoever answers an approval is journaled as its "by".
public sealed class SupportAuthorizer : IWorkflowToolAuthorizer
{
    public const string ManagerRole = "support-manager";

    public ValueTask<bool> AuthorizeAsync(WorkflowToolRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(request.CallerName is not null && request.Operation switch
        {
            WorkflowToolOperation.AnswerApproval or WorkflowToolOperation.Cancel => request.Caller.IsInRole(ManagerRole),
            _ => true,   // any signed-in support agent may start, read and raise events
        });
}
#endregion

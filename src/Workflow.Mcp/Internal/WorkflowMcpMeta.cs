namespace Workflow.Mcp.Internal;

/// <summary>Keys of the <c>_meta</c> object of requests between workflow clients and servers.</summary>
internal static class WorkflowMcpMeta
{
    /// <summary>The calling step's idempotency key (<c>StepContext.IdempotencyKey</c>). A workflow start tool uses it as the
    /// instance id when the arguments name none, so a step that runs again after a crash finds the instance it started.</summary>
    public const string IdempotencyKey = "workflow/idempotency-key";
}

namespace Workflow.Client;

/// <summary>The instance was canceled.</summary>
public sealed class WorkflowCanceledEvent : WorkflowHistoryEvent
{
    internal WorkflowCanceledEvent(string instanceId, long position, DateTimeOffset timestamp, string? reason)
        : base(instanceId, position, timestamp, "workflow.canceled.v1")
    {
        Reason = reason;
    }

    /// <summary>Gets the reason given, if any.</summary>
    public string? Reason { get; }

    /// <inheritdoc />
    public override bool IsTerminal => true;
}

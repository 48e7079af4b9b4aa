namespace Workflow.Client;

/// <summary>Cancellation of the instance was requested.</summary>
public sealed class WorkflowCancelRequestedEvent : WorkflowHistoryEvent
{
    internal WorkflowCancelRequestedEvent(string instanceId, long position, DateTimeOffset timestamp, string? reason)
        : base(instanceId, position, timestamp, "workflow.cancel_requested.v1")
    {
        Reason = reason;
    }

    /// <summary>Gets the reason given, if any.</summary>
    public string? Reason { get; }
}

namespace Workflow.Client;

/// <summary>The instance was terminated: it stopped at once, without compensation.</summary>
public sealed class WorkflowTerminatedEvent : WorkflowHistoryEvent
{
    internal WorkflowTerminatedEvent(string instanceId, long position, DateTimeOffset timestamp, string? reason)
        : base(instanceId, position, timestamp, "workflow.terminated.v1")
    {
        Reason = reason;
    }

    /// <summary>Gets the reason given, if any.</summary>
    public string? Reason { get; }

    /// <inheritdoc />
    public override bool IsTerminal => true;
}

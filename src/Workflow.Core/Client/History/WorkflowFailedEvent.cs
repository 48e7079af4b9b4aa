namespace Workflow.Client;

/// <summary>The instance failed.</summary>
public sealed class WorkflowFailedEvent : WorkflowHistoryEvent
{
    internal WorkflowFailedEvent(string instanceId, long position, DateTimeOffset timestamp, WorkflowFailure failure)
        : base(instanceId, position, timestamp, "workflow.failed.v1")
    {
        Failure = failure;
    }

    /// <summary>Gets the failure.</summary>
    public WorkflowFailure Failure { get; }

    /// <inheritdoc />
    public override bool IsTerminal => true;
}

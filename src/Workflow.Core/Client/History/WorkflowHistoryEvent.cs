namespace Workflow.Client;

/// <summary>A journaled event of a workflow instance. The journal is a durable, versioned format: each event has a
/// stable type name (<see cref="EventType"/>) and a position in the instance's stream.</summary>
public abstract class WorkflowHistoryEvent : WorkflowUpdate
{
    private protected WorkflowHistoryEvent(string instanceId, long position, DateTimeOffset timestamp, string eventType)
        : base(instanceId)
    {
        Position = position;
        Timestamp = timestamp;
        EventType = eventType;
    }

    /// <summary>Gets the event's 1-based position in the instance's stream; watch from <c>Position + 1</c> to resume.</summary>
    public long Position { get; }

    /// <summary>Gets when the event was recorded.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the stable type name of the event, for example <c>step.completed.v1</c>.</summary>
    public string EventType { get; }

    /// <inheritdoc />
    public override bool IsDurable => true;

    /// <summary>Gets a value indicating whether the event ends the instance.</summary>
    public virtual bool IsTerminal => false;
}

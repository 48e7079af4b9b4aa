namespace Workflow.Client;

/// <summary>A failed instance was reset to run again from a step: what was journaled from
/// <see cref="FromPosition"/> up to this event no longer counts (it stays in the journal), except raised events.</summary>
public sealed class WorkflowResetEvent : WorkflowHistoryEvent
{
    internal WorkflowResetEvent(string instanceId, long position, DateTimeOffset timestamp, string stepName, long fromPosition)
        : base(instanceId, position, timestamp, "workflow.reset.v1")
    {
        StepName = stepName;
        FromPosition = fromPosition;
    }

    /// <summary>Gets the step the instance runs again from.</summary>
    public string StepName { get; }

    /// <summary>Gets the first position that no longer counts.</summary>
    public long FromPosition { get; }
}

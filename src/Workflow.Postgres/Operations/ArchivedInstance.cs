using Workflow.Storage;

namespace Workflow.Postgres.Operations;

/// <summary>An ended instance handed to <see cref="InstancePurgeOptions.Archive"/> just before it is removed.</summary>
public sealed class ArchivedInstance
{
    internal ArchivedInstance(WorkflowInstanceInfo instance, IReadOnlyList<RecordedEvent> events)
    {
        Instance = instance;
        Events = events;
    }

    /// <summary>Gets the instance's index entry: workflow, status and timestamps.</summary>
    public WorkflowInstanceInfo Instance { get; }

    /// <summary>Gets the instance's journal, in order (the part kept after its last continue-as-new).</summary>
    public IReadOnlyList<RecordedEvent> Events { get; }
}

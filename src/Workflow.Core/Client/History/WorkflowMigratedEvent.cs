namespace Workflow.Client;

/// <summary>The instance moved to another version of its definition, which the compatibility check accepted.</summary>
public sealed class WorkflowMigratedEvent : WorkflowHistoryEvent
{
    internal WorkflowMigratedEvent(string instanceId, long position, DateTimeOffset timestamp, int fromVersion, int toVersion)
        : base(instanceId, position, timestamp, "workflow.migrated.v1")
    {
        FromVersion = fromVersion;
        ToVersion = toVersion;
    }

    /// <summary>Gets the version the instance ran before.</summary>
    public int FromVersion { get; }

    /// <summary>Gets the version the instance runs from now on.</summary>
    public int ToVersion { get; }
}

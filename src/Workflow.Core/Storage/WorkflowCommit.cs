namespace Workflow.Storage;

/// <summary>
/// One atomic write to a workflow store: events appended to an instance's stream, the lease they were written
/// under, whether that lease ends, follow-up work, and the instance's index entry.
/// </summary>
/// <remarks>
/// A store applies all of a commit or none of it. It checks, in this order: that <see cref="Lease"/> (when set) is
/// still held with the same fencing token, then that the stream is at <see cref="ExpectedVersion"/>. The version
/// is checked even when <see cref="Events"/> is empty, so a node ending its lease learns about events that others
/// appended meanwhile.
/// </remarks>
public sealed class WorkflowCommit
{
    /// <summary>Gets the workflow instance (stream) written to.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Gets the version the stream must be at.</summary>
    /// <value>The default value is <see cref="ExpectedVersion.Any"/>.</value>
    public ExpectedVersion ExpectedVersion { get; init; } = ExpectedVersion.Any;

    /// <summary>Gets the events to append, in order.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<EventData> Events { get; init; } = [];

    /// <summary>Gets the lease the commit is written under, or <see langword="null"/> for a write without one
    /// (starting an instance, raising an event, requesting cancellation).</summary>
    public WorkLease? Lease { get; init; }

    /// <summary>Gets a value indicating whether the commit ends <see cref="Lease"/>: the work item is done, unless
    /// work was scheduled for the instance meanwhile or by this commit.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CompleteLease { get; init; }

    /// <summary>Gets the work to schedule: the next run of this instance, a timer, or a wake-up of another instance.</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<ScheduledWork> Schedule { get; init; } = [];

    /// <summary>Gets the instance's index entry to store (status, timestamps), or <see langword="null"/> to leave it.</summary>
    public WorkflowInstanceInfo? Instance { get; init; }
}

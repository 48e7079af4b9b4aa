namespace Workflow;

/// <summary>What the store indexes about a workflow instance: its definition, status and timestamps.</summary>
public sealed class WorkflowInstanceInfo
{
    /// <summary>Gets the instance id.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Gets the name of the workflow definition the instance runs.</summary>
    public required string WorkflowName { get; init; }

    /// <summary>Gets the version of the workflow definition the instance runs; it keeps the version it started with.</summary>
    public required int WorkflowVersion { get; init; }

    /// <summary>Gets the status of the instance.</summary>
    public required WorkflowStatus Status { get; init; }

    /// <summary>Gets when the instance was started.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the instance's status last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets when the instance ended, or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
}

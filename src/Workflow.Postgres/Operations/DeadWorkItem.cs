namespace Workflow.Postgres.Operations;

/// <summary>
/// The work of an instance parked as dead: leases on it expired again and again without its journal moving on (see
/// <see cref="Storage.PostgresWorkflowStoreOptions.MaxExpiredLeases"/>). No node claims it until it is retried.
/// </summary>
public sealed class DeadWorkItem
{
    /// <summary>Gets the instance whose work is parked.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Gets the instance's workflow, or <see langword="null"/> when the instance has no index entry.</summary>
    public string? WorkflowName { get; init; }

    /// <summary>Gets when the work was parked (database clock).</summary>
    public required DateTimeOffset DeadSince { get; init; }

    /// <summary>Gets how many leases expired in a row without progress.</summary>
    public required int ExpiredLeases { get; init; }

    /// <summary>Gets the node whose lease expired last, or <see langword="null"/> when not known.</summary>
    public string? LastOwner { get; init; }
}

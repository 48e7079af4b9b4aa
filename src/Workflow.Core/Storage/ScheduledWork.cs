namespace Workflow.Storage;

/// <summary>Work a commit schedules: run a workflow instance now or at a due time (a durable timer).</summary>
/// <remarks>
/// A store keeps at most one work item per instance. Scheduling work for an instance that already has a pending
/// item keeps the earlier due time; scheduling it while the item is leased remembers the due time and makes the
/// item runnable again when the lease ends, so a wake-up is never lost.
/// </remarks>
public readonly struct ScheduledWork
{
    /// <summary>Initializes scheduled work.</summary>
    /// <param name="instanceId">The workflow instance to run.</param>
    /// <param name="dueAt">When it becomes runnable, or <see langword="null"/> for now.</param>
    /// <param name="claimFor">When set, the work item is created already leased to this node and the lease is
    /// returned in <see cref="CommitResult.Claimed"/>; ignored when the instance's work item is held by another lease.</param>
    public ScheduledWork(string instanceId, DateTimeOffset? dueAt = null, LeaseRequest? claimFor = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        InstanceId = instanceId;
        DueAt = dueAt;
        ClaimFor = claimFor;
    }

    /// <summary>Gets the workflow instance to run.</summary>
    public string InstanceId { get; }

    /// <summary>Gets when the work becomes runnable, or <see langword="null"/> for now.</summary>
    public DateTimeOffset? DueAt { get; }

    /// <summary>Gets the node that should receive the work already leased, if any.</summary>
    public LeaseRequest? ClaimFor { get; }
}

namespace Workflow.Storage;

/// <summary>
/// A claim on a work item: the right, until <see cref="ExpiresAt"/>, to run the workflow instance it names.
/// </summary>
/// <remarks>
/// Every claim of a work item increments its fencing token. A commit carrying a lease is rejected unless the work
/// item is still held with the same token, so a node that lost its lease (it paused past the expiry and another
/// node claimed the item) can write nothing.
/// </remarks>
public sealed class WorkLease
{
    /// <summary>Initializes a lease. Stores create these; callers pass them back.</summary>
    /// <param name="workItemId">The id of the leased work item.</param>
    /// <param name="instanceId">The workflow instance the work item runs.</param>
    /// <param name="ownerId">The node that holds the lease.</param>
    /// <param name="fencingToken">The fencing token of this claim.</param>
    /// <param name="expiresAt">When the lease expires unless renewed, on the store's clock.</param>
    public WorkLease(long workItemId, string instanceId, string ownerId, long fencingToken, DateTimeOffset expiresAt)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        WorkItemId = workItemId;
        InstanceId = instanceId;
        OwnerId = ownerId;
        FencingToken = fencingToken;
        ExpiresAt = expiresAt;
    }

    /// <summary>Gets the id of the leased work item.</summary>
    public long WorkItemId { get; }

    /// <summary>Gets the workflow instance the work item runs.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the node that holds the lease.</summary>
    public string OwnerId { get; }

    /// <summary>Gets the fencing token of this claim; it grows with every claim of the work item.</summary>
    public long FencingToken { get; }

    /// <summary>Gets when the lease expires unless renewed, on the store's clock.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Returns a copy of this lease with a later expiry.</summary>
    /// <param name="expiresAt">The new expiry.</param>
    /// <returns>The renewed lease.</returns>
    public WorkLease WithExpiry(DateTimeOffset expiresAt) => new(WorkItemId, InstanceId, OwnerId, FencingToken, expiresAt);
}

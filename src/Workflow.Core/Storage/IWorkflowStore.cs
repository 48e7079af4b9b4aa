namespace Workflow.Storage;

/// <summary>
/// Everything the workflow runtime needs from storage: instance event streams with optimistic concurrency and
/// idempotent appends, atomic step commits, leased work items with fencing, instance queries and stream watching.
/// </summary>
/// <remarks>
/// <para>
/// Implementations must pass the contract test suite (<c>Workflow.Store.Compliance</c>) unchanged. The in-memory
/// store is the embedded default; <c>Workflow.Postgres</c> implements the same contract for many nodes.
/// </para>
/// <para>
/// Appends are idempotent by event id: a commit whose events (by id, in order) are already in the stream right
/// after the expected version reports <see cref="CommitStatus.AlreadyCommitted"/> and writes nothing. The same ids at
/// another version, or ids that only partly match, are a <see cref="CommitStatus.VersionConflict"/>.
/// </para>
/// <para>
/// Work items are claimed with a lease and a fencing token. A work item whose lease expired can be claimed again,
/// which increments its fencing token and fences the previous holder off. Due times and lease expiries are compared
/// with the store's clock.
/// </para>
/// <para>
/// Conflicts and lost leases are results, not exceptions. A store that cannot reach its backing storage throws
/// <see cref="Exceptions.WorkflowStoreUnavailableException"/>; a store never lets its provider's exceptions out.
/// </para>
/// </remarks>
public interface IWorkflowStore
{
    /// <summary>Applies one commit atomically.</summary>
    /// <param name="commit">The commit.</param>
    /// <param name="cancellationToken">A token to cancel the operation; a canceled commit may or may not have been
    /// applied, and retrying it with the same event ids is safe.</param>
    /// <returns>The outcome, as a value: conflicts and lost leases are not exceptions.</returns>
    /// <exception cref="ArgumentException">The commit is malformed (duplicate event ids, a lease for another instance).</exception>
    ValueTask<CommitResult> CommitAsync(WorkflowCommit commit, CancellationToken cancellationToken = default);

    /// <summary>Applies several commits, typically for different instances, sharing the store's round trips where it can.</summary>
    /// <param name="commits">The commits. Each one is atomic and independent of the others: one conflicting does not
    /// stop the others.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One outcome per commit, in the same order.</returns>
    ValueTask<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<WorkflowCommit> commits, CancellationToken cancellationToken = default);

    /// <summary>Reads events of an instance's stream.</summary>
    /// <param name="instanceId">The instance (stream) id.</param>
    /// <param name="fromVersion">The first version to read (inclusive). Reading backward from
    /// <see cref="long.MaxValue"/> starts at the newest event.</param>
    /// <param name="direction">The direction to read in.</param>
    /// <param name="maxCount">The most events to return.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The events, in the order read; empty when the stream does not exist or has none in range.</returns>
    ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(
        string instanceId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Reads an instance's stream from a version and then follows it live, as events are appended.</summary>
    /// <param name="instanceId">The instance (stream) id.</param>
    /// <param name="fromVersion">The first version to yield (inclusive).</param>
    /// <param name="cancellationToken">A token that ends the watch; the sequence does not end by itself.</param>
    /// <returns>Every event from <paramref name="fromVersion"/> on, in order, with no gap and no duplicate.</returns>
    IAsyncEnumerable<RecordedEvent> WatchStreamAsync(string instanceId, long fromVersion, CancellationToken cancellationToken = default);

    /// <summary>Claims runnable work items: due, and either not leased or with an expired lease.</summary>
    /// <param name="ownerId">The node claiming.</param>
    /// <param name="maxItems">The most items to claim.</param>
    /// <param name="leaseDuration">How long the leases last unless renewed.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The leases, each with a fencing token greater than any earlier claim of its item.</returns>
    ValueTask<IReadOnlyList<WorkLease>> ClaimAsync(string ownerId, int maxItems, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Extends leases that are still held with their fencing tokens.</summary>
    /// <param name="leases">The leases to extend.</param>
    /// <param name="leaseDuration">The new duration, from now on the store's clock.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The leases that were extended, with their new expiry; a lease missing from the result is lost.</returns>
    ValueTask<IReadOnlyList<WorkLease>> RenewAsync(IReadOnlyList<WorkLease> leases, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Gives a lease up without completing its work item, so that any node can claim it again.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="dueAt">When the item becomes runnable again, or <see langword="null"/> for now.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the lease was still held and is released.</returns>
    ValueTask<bool> ReleaseAsync(WorkLease lease, DateTimeOffset? dueAt = null, CancellationToken cancellationToken = default);

    /// <summary>Waits until work may have become runnable: a commit or a release, through this store or (for a shared
    /// store) on another node, left work due now and unleased. An idle dispatcher claims it at once instead of at its
    /// next poll.</summary>
    /// <param name="cancellationToken">A token that ends the wait.</param>
    /// <returns>A task that completes on the next such change. It is a hint: it may complete when another node
    /// claims the work first, and a store that cannot tell completes it only when canceled; the runtime polls as
    /// well, so a missed signal only delays work.</returns>
    Task WaitForWorkAsync(CancellationToken cancellationToken);

    /// <summary>Gets an instance's index entry.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The entry, or <see langword="null"/> when the store has no such instance.</returns>
    ValueTask<WorkflowInstanceInfo?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Queries the index of approvals waiting for an answer, across instances, oldest request first.</summary>
    /// <param name="query">The filter and page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One page of pending approvals.</returns>
    /// <exception cref="ArgumentException">The query or its continuation token is invalid.</exception>
    ValueTask<Client.PendingApprovalPage> QueryPendingApprovalsAsync(Client.PendingApprovalQuery query, CancellationToken cancellationToken = default);

    /// <summary>Queries instances, newest first.</summary>
    /// <param name="query">The filter and page.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>One page of instances.</returns>
    /// <exception cref="ArgumentException">The query or its continuation token is invalid.</exception>
    ValueTask<WorkflowInstancePage> QueryInstancesAsync(WorkflowInstanceQuery query, CancellationToken cancellationToken = default);
}

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

    /// <summary>Gets the instance's index entry to store (status, timestamps), or <see langword="null"/> to leave it.
    /// An entry with a final status also removes the instance's pending approvals from the approvals index.</summary>
    public WorkflowInstanceInfo? Instance { get; init; }

    /// <summary>Gets, when set, the version below which the stream's events are deleted once this commit is applied:
    /// an instance that continued as new keeps a bounded journal. Versions are not reused; reads and watches start at
    /// the first event kept.</summary>
    /// <value>The default value is <see langword="null"/>: nothing is deleted.</value>
    public long? TruncateBefore { get; init; }

    /// <summary>Gets approvals to add to the index of pending approvals (or to replace, by instance and path).</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<Client.PendingApproval> OpenApprovals { get; init; } = [];

    /// <summary>Gets the paths of this instance's approvals to remove from the index (answered or timed out).</summary>
    /// <value>The default value is an empty list.</value>
    public IReadOnlyList<string> ClosedApprovals { get; init; } = [];

    /// <summary>Throws when the commit breaks the store contract: stores call this before writing anything.</summary>
    /// <exception cref="ArgumentException">The commit is malformed: an empty instance id, an event that was not
    /// initialized or whose id appears twice, a lease, index entry or approval of another instance, a lease completed
    /// without being carried, scheduled work without an instance, or a truncation below version 1.</exception>
    public void Validate()
    {
        const string ParamName = "commit";
        ArgumentException.ThrowIfNullOrEmpty(InstanceId, ParamName);
        ArgumentNullException.ThrowIfNull(Events, ParamName);
        ArgumentNullException.ThrowIfNull(Schedule, ParamName);
        ArgumentNullException.ThrowIfNull(OpenApprovals, ParamName);
        ArgumentNullException.ThrowIfNull(ClosedApprovals, ParamName);
        // Duplicate ids: a scan for the few events of a typical commit, a set beyond.
        var seen = Events.Count > 8 ? new HashSet<Guid>(Events.Count) : null;
        for (var i = 0; i < Events.Count; i++)
        {
            var e = Events[i];
            if (e.EventId == Guid.Empty || e.Type is null)
            {
                throw new ArgumentException($"Event {i} of the commit for '{InstanceId}' was not initialized.", ParamName);
            }

            var duplicate = seen is not null ? !seen.Add(e.EventId) : IndexOf(Events, e.EventId, i) >= 0;
            if (duplicate)
            {
                throw new ArgumentException($"The commit for '{InstanceId}' holds event id {e.EventId} twice; every event needs its own id.", ParamName);
            }
        }

        if (Lease is not null && !string.Equals(Lease.InstanceId, InstanceId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The commit for '{InstanceId}' carries a lease for '{Lease.InstanceId}'.", ParamName);
        }

        if (CompleteLease && Lease is null)
        {
            throw new ArgumentException("A commit cannot complete a lease without carrying it.", ParamName);
        }

        if (Instance is not null && !string.Equals(Instance.InstanceId, InstanceId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The commit for '{InstanceId}' carries the index entry of '{Instance.InstanceId}'.", ParamName);
        }

        for (var i = 0; i < Schedule.Count; i++)
        {
            if (Schedule[i].InstanceId is null)
            {
                throw new ArgumentException($"Scheduled work of the commit for '{InstanceId}' was not initialized.", ParamName);
            }
        }

        if (TruncateBefore is < 1)
        {
            throw new ArgumentException($"The commit for '{InstanceId}' truncates before version {TruncateBefore}; versions start at 1.", ParamName);
        }

        for (var i = 0; i < OpenApprovals.Count; i++)
        {
            var approval = OpenApprovals[i];
            if (approval is null || !string.Equals(approval.InstanceId, InstanceId, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"The commit for '{InstanceId}' opens an approval of '{approval?.InstanceId}'; a commit opens approvals of its own instance only.", ParamName);
            }
        }

        for (var i = 0; i < ClosedApprovals.Count; i++)
        {
            if (string.IsNullOrEmpty(ClosedApprovals[i]))
            {
                throw new ArgumentException($"The commit for '{InstanceId}' closes an approval without a path.", ParamName);
            }
        }
    }

    private static int IndexOf(IReadOnlyList<EventData> events, Guid eventId, int before)
    {
        for (var j = 0; j < before; j++)
        {
            if (events[j].EventId == eventId)
            {
                return j;
            }
        }

        return -1;
    }
}

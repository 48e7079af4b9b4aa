namespace Workflow.Storage;

/// <summary>The result of a <see cref="WorkflowCommit"/>, as a value: conflicts are expected outcomes, not errors.</summary>
public readonly struct CommitResult
{
    /// <summary>Initializes a result.</summary>
    /// <param name="status">The outcome.</param>
    /// <param name="streamVersion">The stream's version after the commit, or its actual version on a conflict.</param>
    /// <param name="claimed">Leases created for scheduled work that asked for one.</param>
    public CommitResult(CommitStatus status, long streamVersion, IReadOnlyList<WorkLease>? claimed = null)
    {
        Status = status;
        StreamVersion = streamVersion;
        Claimed = claimed ?? [];
    }

    /// <summary>Gets the outcome.</summary>
    public CommitStatus Status { get; }

    /// <summary>Gets the stream's version after the commit, or its actual version when the commit conflicted.</summary>
    public long StreamVersion { get; }

    /// <summary>Gets the leases created for scheduled work that asked for one (<see cref="ScheduledWork.ClaimFor"/>).</summary>
    public IReadOnlyList<WorkLease> Claimed { get; }

    /// <summary>Gets a value indicating whether the events are in the store: <see cref="CommitStatus.Committed"/> or
    /// <see cref="CommitStatus.AlreadyCommitted"/>.</summary>
    public bool Succeeded => Status is CommitStatus.Committed or CommitStatus.AlreadyCommitted;
}

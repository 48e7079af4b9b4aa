namespace Workflow.Storage;

/// <summary>The outcome of a <see cref="WorkflowCommit"/>.</summary>
public enum CommitStatus
{
    /// <summary>The commit was applied.</summary>
    Committed = 0,

    /// <summary>The same events (by id) were already appended at the expected version: an earlier attempt of this
    /// commit succeeded, and nothing was written twice.</summary>
    AlreadyCommitted = 1,

    /// <summary>The stream was not at the expected version (or the event ids clash with other events): nothing was
    /// written. <see cref="CommitResult.StreamVersion"/> holds the stream's actual version.</summary>
    VersionConflict = 2,

    /// <summary>The lease is no longer held with the commit's fencing token: nothing was written.</summary>
    LeaseLost = 3,
}

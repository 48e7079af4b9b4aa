namespace Workflow.Client;

/// <summary>A person approved or rejected a pending approval.</summary>
public sealed class ApprovalAnsweredEvent : WorkflowHistoryEvent
{
    internal ApprovalAnsweredEvent(string instanceId, long position, DateTimeOffset timestamp, string path, bool approved, string by, string? comment)
        : base(instanceId, position, timestamp, "approval.answered.v1")
    {
        Path = path;
        Approved = approved;
        By = by;
        Comment = comment;
    }

    /// <summary>Gets the approval's path.</summary>
    public string Path { get; }

    /// <summary>Gets a value indicating whether it was approved.</summary>
    public bool Approved { get; }

    /// <summary>Gets who answered, as the host identified them.</summary>
    public string By { get; }

    /// <summary>Gets the comment given with the answer, if any.</summary>
    public string? Comment { get; }
}

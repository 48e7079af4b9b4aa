namespace Workflow.Client;

/// <summary>The answer to an approval: what the workflow continues with after <c>WaitForApproval</c>, and what
/// <c>StepContext.RequestApprovalAsync</c> returns.</summary>
public sealed class ApprovalDecision
{
    /// <summary>Initializes a decision.</summary>
    /// <param name="stepPath">The approval's path.</param>
    /// <param name="approved">Whether it was approved.</param>
    /// <param name="by">Who answered.</param>
    /// <param name="comment">The comment given, if any.</param>
    /// <param name="answeredAt">When it was answered.</param>
    public ApprovalDecision(string stepPath, bool approved, string by, string? comment, DateTimeOffset answeredAt)
    {
        StepPath = stepPath;
        Approved = approved;
        By = by;
        Comment = comment;
        AnsweredAt = answeredAt;
    }

    /// <summary>Gets the approval's path.</summary>
    public string StepPath { get; }

    /// <summary>Gets a value indicating whether it was approved.</summary>
    public bool Approved { get; }

    /// <summary>Gets who answered, as the host identified them.</summary>
    public string By { get; }

    /// <summary>Gets the comment given with the answer, if any.</summary>
    public string? Comment { get; }

    /// <summary>Gets when it was answered.</summary>
    public DateTimeOffset AnsweredAt { get; }
}

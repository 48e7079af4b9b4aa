namespace Workflow.Client;

/// <summary>One page of a <see cref="PendingApprovalQuery"/>.</summary>
public sealed class PendingApprovalPage
{
    /// <summary>Initializes a page.</summary>
    /// <param name="approvals">The approvals on the page, oldest request first.</param>
    /// <param name="continuationToken">The token of the next page, or <see langword="null"/> on the last page.</param>
    public PendingApprovalPage(IReadOnlyList<PendingApproval> approvals, string? continuationToken)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        Approvals = approvals;
        ContinuationToken = continuationToken;
    }

    /// <summary>Gets the approvals on the page, oldest request first.</summary>
    public IReadOnlyList<PendingApproval> Approvals { get; }

    /// <summary>Gets the token of the next page, or <see langword="null"/> on the last page.</summary>
    public string? ContinuationToken { get; }
}

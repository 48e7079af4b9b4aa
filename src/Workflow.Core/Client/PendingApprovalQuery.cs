namespace Workflow.Client;

/// <summary>A filter over the approvals waiting for an answer across instances, oldest request first, one page at a time.</summary>
public sealed class PendingApprovalQuery
{
    /// <summary>Gets or sets the workflow to match, or <see langword="null"/> for all.</summary>
    public string? WorkflowName { get; set; }

    /// <summary>Gets or sets the number of approvals per page, from 1 to <see cref="WorkflowInstanceQuery.MaxPageSize"/>.</summary>
    /// <value>The default value is 100.</value>
    public int PageSize { get; set; } = 100;

    /// <summary>Gets or sets the token of the page to read, from <see cref="PendingApprovalPage.ContinuationToken"/>,
    /// or <see langword="null"/> for the first page.</summary>
    public string? ContinuationToken { get; set; }

    /// <summary>Creates a copy of this query.</summary>
    /// <returns>The copy.</returns>
    public PendingApprovalQuery Clone() => (PendingApprovalQuery)MemberwiseClone();

    /// <summary>Throws when the query cannot be run.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PageSize"/> is out of range.</exception>
    public void Validate()
    {
        if (PageSize is < 1 or > WorkflowInstanceQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, $"The page size must be between 1 and {WorkflowInstanceQuery.MaxPageSize}.");
        }
    }
}

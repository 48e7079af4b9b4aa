namespace Workflow;

/// <summary>A filter over workflow instances, read newest first, one page at a time.</summary>
public sealed class WorkflowInstanceQuery
{
    /// <summary>The largest page a store returns.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Gets or sets the workflow definition name to match, or <see langword="null"/> for all.</summary>
    public string? WorkflowName { get; set; }

    /// <summary>Gets or sets the status to match, or <see langword="null"/> for all.</summary>
    public WorkflowStatus? Status { get; set; }

    /// <summary>Gets or sets the earliest creation time to match (inclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? CreatedFrom { get; set; }

    /// <summary>Gets or sets the creation time to match instances before (exclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? CreatedBefore { get; set; }

    /// <summary>Gets or sets the number of instances per page, from 1 to <see cref="MaxPageSize"/>.</summary>
    /// <value>The default value is 100.</value>
    public int PageSize { get; set; } = 100;

    /// <summary>Gets or sets the token of the page to read, from <see cref="WorkflowInstancePage.ContinuationToken"/>,
    /// or <see langword="null"/> for the first page.</summary>
    public string? ContinuationToken { get; set; }

    /// <summary>Creates a copy of this query.</summary>
    /// <returns>The copy.</returns>
    public WorkflowInstanceQuery Clone() => (WorkflowInstanceQuery)MemberwiseClone();

    /// <summary>Throws when the query cannot be run.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PageSize"/> is out of range.</exception>
    public void Validate()
    {
        if (PageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(PageSize), PageSize, $"The page size must be between 1 and {MaxPageSize}.");
        }
    }
}

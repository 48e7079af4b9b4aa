namespace Workflow;

/// <summary>One page of a <see cref="WorkflowInstanceQuery"/>.</summary>
public sealed class WorkflowInstancePage
{
    /// <summary>Initializes a page.</summary>
    /// <param name="instances">The instances on the page, newest first.</param>
    /// <param name="continuationToken">The token of the next page, or <see langword="null"/> on the last page.</param>
    public WorkflowInstancePage(IReadOnlyList<WorkflowInstanceInfo> instances, string? continuationToken)
    {
        ArgumentNullException.ThrowIfNull(instances);
        Instances = instances;
        ContinuationToken = continuationToken;
    }

    /// <summary>Gets the instances on the page, newest first.</summary>
    public IReadOnlyList<WorkflowInstanceInfo> Instances { get; }

    /// <summary>Gets the token of the next page, or <see langword="null"/> on the last page.</summary>
    public string? ContinuationToken { get; }
}

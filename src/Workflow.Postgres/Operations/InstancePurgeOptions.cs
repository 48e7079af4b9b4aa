namespace Workflow.Postgres.Operations;

/// <summary>What <see cref="Storage.PostgresWorkflowStore.PurgeEndedInstancesAsync"/> removes and how.</summary>
public sealed class InstancePurgeOptions
{
    /// <summary>Gets or sets the workflow whose instances are purged, or <see langword="null"/> for every workflow.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? WorkflowName { get; set; }

    /// <summary>Gets or sets how many instances one transaction removes.</summary>
    /// <value>The default value is 500; it must be between 1 and 10,000.</value>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Gets or sets a callback that receives each instance (its index entry and whole journal) before it is removed, to
    /// keep it elsewhere (a blob store, a data lake), or <see langword="null"/> to remove without archiving. An instance is
    /// removed only after its callback returned; when the callback throws, the purge stops and the exception propagates,
    /// with the instances archived so far removed and the rest kept. Archiving is at least once: two nodes purging at the
    /// same moment may both archive an instance that one of them then removes.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<ArchivedInstance, CancellationToken, ValueTask>? Archive { get; set; }

    internal void Validate(string paramName)
    {
        if (BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentException($"{nameof(BatchSize)} is {BatchSize}; it must be between 1 and 10,000.", paramName);
        }

        if (WorkflowName is { } name && (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"{nameof(WorkflowName)} must be null (every workflow) or a non-empty name without NUL characters.", paramName);
        }
    }

    internal InstancePurgeOptions Clone() => (InstancePurgeOptions)MemberwiseClone();
}

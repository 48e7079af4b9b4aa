namespace Workflow.Report.Inputs;

/// <summary>One run of the load tool (<c>benchmarks/Workflow.LoadTest --json</c>), named after its file.</summary>
internal sealed class LoadRun
{
    public string Name { get; set; } = "";

    public int Nodes { get; init; }

    public double Rate { get; init; }

    /// <summary>Whether the store grouped concurrent commits into shared transactions (its default).</summary>
    public bool BatchCommits { get; init; } = true;

    /// <summary>Whether steps' completions waited for the next commit (<c>--defer-commits</c>, <c>StepOptions.DeferCommit</c>).</summary>
    public bool DeferCommits { get; init; }

    public double DurationSeconds { get; init; }

    public long Started { get; init; }

    public long Completed { get; init; }

    public double WorkflowsPerSecond { get; init; }

    public double P50Ms { get; init; }

    public double P95Ms { get; init; }

    public double P99Ms { get; init; }

    public double CommitsPerWorkflow { get; init; }

    public double WalSyncsPerWorkflow { get; init; }

    public double WalBytesPerWorkflow { get; init; }

    public double RowsWrittenPerWorkflow { get; init; }

    public string Server { get; init; } = "";
}

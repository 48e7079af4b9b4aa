using System.Text.Json.Serialization;

namespace Workflow.LoadTest;

/// <summary>What one run measured.</summary>
internal sealed class LoadResult
{
    public int Nodes { get; init; }

    public double Rate { get; init; }

    public bool BatchCommits { get; init; } = true;

    public bool DeferCommits { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary>How long workflows were started and awaited, unmeasured, before the measured run.</summary>
    public double WarmupSeconds { get; init; }

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

[JsonSerializable(typeof(LoadResult))]
[JsonSerializable(typeof(HistoryResult))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class LoadResultContext : JsonSerializerContext;

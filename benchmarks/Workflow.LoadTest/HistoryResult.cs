namespace Workflow.LoadTest;

/// <summary>What one interleaved history-length run measured (<c>--history</c>).</summary>
internal sealed class HistoryResult
{
    public int Rounds { get; init; }

    public int InstancesPerLength { get; init; }

    public List<HistoryLength> Lengths { get; init; } = [];

    public string Server { get; init; } = "";
}

/// <summary>Step commit latency on instances of one history length.</summary>
internal sealed class HistoryLength
{
    public int History { get; init; }

    public int Commits { get; init; }

    public double MeanMs { get; init; }

    public double P50Ms { get; init; }

    public double P95Ms { get; init; }

    public double P99Ms { get; init; }
}

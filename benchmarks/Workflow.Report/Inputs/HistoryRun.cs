namespace Workflow.Report.Inputs;

/// <summary>The load tool's interleaved history-length run (<c>--history ... --json history.json</c>).</summary>
internal sealed class HistoryRun
{
    public int Rounds { get; init; }

    public int InstancesPerLength { get; init; }

    public List<HistoryRunLength> Lengths { get; init; } = [];

    public string Server { get; init; } = "";
}

/// <summary>Step commit latency on instances of one history length, in milliseconds.</summary>
internal sealed class HistoryRunLength
{
    public int History { get; init; }

    public int Commits { get; init; }

    public double MeanMs { get; init; }

    public double P50Ms { get; init; }

    public double P95Ms { get; init; }

    public double P99Ms { get; init; }
}

namespace Workflow.Report.Inputs;

/// <summary>The comparison with the peers and the machine's limits that <c>benchmarks/compare.sh</c> writes to
/// <c>benchmarks/results/compare.json</c>.</summary>
internal sealed class PeerComparison
{
    public string? Generated { get; init; }

    public string? Command { get; init; }

    public MachineInfo? Machine { get; init; }

    public int? Rounds { get; init; }

    public string? Job { get; init; }

    public List<PeerMeasure> Measures { get; init; } = [];
}

/// <summary>One measure: ours against a peer's or the machine's limit, from the same run.</summary>
internal sealed class PeerMeasure
{
    public string Id { get; init; } = "";

    public string Title { get; init; } = "";

    public string Unit { get; init; } = "";

    public bool HigherIsBetter { get; init; }

    public PeerFigure? Ours { get; init; }

    public PeerFigure? Peer { get; init; }

    public double? Ratio { get; init; }

    public string? Target { get; init; }

    public double? TargetRatio { get; init; }

    public double? TargetAbsolute { get; init; }

    public bool? Met { get; init; }
}

/// <summary>One side of a measure.</summary>
internal sealed class PeerFigure
{
    public string Name { get; init; } = "";

    public double Value { get; init; }

    public List<double>? Rounds { get; init; }

    public double? AllocatedBytesPerOp { get; init; }

    public string? Note { get; init; }
}

namespace Workflow.Report.Inputs;

/// <summary>What a figures script recorded about its run: the command, when, and the machine.</summary>
internal sealed class RunManifest
{
    public string Command { get; init; } = "";

    public string? Started { get; init; }

    public string? Finished { get; init; }

    public int? DurationSeconds { get; init; }

    /// <summary>Rounds of the runs on 1, 2 and 3 nodes.</summary>
    public int? NodeRounds { get; init; }

    /// <summary>The load average when the run ended (the machine's own is in <see cref="Machine"/>, from its start).</summary>
    public string? LoadAverageAtEnd { get; init; }

    public string? Server { get; init; }

    public Dictionary<string, string> BdnArguments { get; init; } = [];

    /// <summary>The load tool's arguments for the interleaved history-length run.</summary>
    public string? HistoryArguments { get; init; }

    public MachineInfo? Machine { get; init; }
}

/// <summary>The machine a run measured on.</summary>
internal sealed class MachineInfo
{
    public string? Os { get; init; }

    public string? Cpu { get; init; }

    public int? Cores { get; init; }

    public double? MemoryGiB { get; init; }

    public string? Dotnet { get; init; }

    public string? Postgres { get; init; }

    public string? LoadAverage { get; init; }
}

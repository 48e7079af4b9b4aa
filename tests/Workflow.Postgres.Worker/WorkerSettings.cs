using System.Globalization;

namespace Workflow.Postgres.Worker;

/// <summary>The worker's settings, from <c>--name value</c> arguments, falling back to <c>WORKFLOW_WORKER_NAME</c>
/// environment variables (upper case, dashes as underscores).</summary>
internal sealed class WorkerSettings
{
    public required string ConnectionString { get; init; }

    public required string Schema { get; init; }

    public required string NodeId { get; init; }

    public TimeSpan LeaseDuration { get; init; }

    public TimeSpan PollInterval { get; init; }

    public int MaxConcurrentInstances { get; init; }

    /// <summary>After this node ran the last step of this many instances, its steps stall after their side effect
    /// (a call that never returns), until the process is killed.</summary>
    public int? StallAfterCompletions { get; init; }

    /// <summary>The instance whose first step commit is held until the process has been stopped and continued.</summary>
    public string? HoldCommitOf { get; init; }

    /// <summary>Whether leases and wake-ups are printed (see <c>WorkerStore</c>).</summary>
    public bool Trace { get; init; }

    public static WorkerSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--name value' pairs, got '{args[i]}'.");
            }

            values[args[i][2..]] = args[++i];
        }

        string? Read(string name) =>
            values.TryGetValue(name, out var value) ? value
            : Environment.GetEnvironmentVariable("WORKFLOW_WORKER_" + name.Replace('-', '_').ToUpperInvariant()) is { Length: > 0 } env ? env
            : null;
        string Require(string name) => Read(name) ?? throw new ArgumentException($"--{name} is required.");
        int? Number(string name) => Read(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

        return new WorkerSettings
        {
            ConnectionString = Require("connection"),
            Schema = Require("schema"),
            NodeId = Require("node"),
            LeaseDuration = TimeSpan.FromMilliseconds(Number("lease-ms") ?? 30_000),
            PollInterval = TimeSpan.FromMilliseconds(Number("poll-ms") ?? 1_000),
            MaxConcurrentInstances = Number("max-concurrent") ?? 16,
            StallAfterCompletions = Number("stall-after"),
            HoldCommitOf = Read("hold-commit-of"),
            Trace = Read("trace") is { } trace && bool.Parse(trace),
        };
    }
}

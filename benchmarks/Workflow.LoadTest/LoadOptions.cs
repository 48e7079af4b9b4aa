using System.Globalization;
using Npgsql;

namespace Workflow.LoadTest;

/// <summary>The command line of the load tool.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        Workflow.LoadTest: durable 3-step workflows on PostgreSQL, started by this process and run by N node processes.

          --connection <string>   Npgsql connection string (default: $WORKFLOW_LOADTEST_POSTGRES, then $WORKFLOW_TEST_POSTGRES)
          --nodes <n>             worker processes (default 1, at most 16)
          --duration <seconds>    how long to start workflows (default 20, at most 3600)
          --warmup <seconds>      first start workflows this long the same way and wait for them, unmeasured: the
                                  nodes' connection pools, the JIT's optimized code (about 20 s of load on 2 cores)
                                  and the server's caches warm up (default 20; 0 for none)
          --rate <per second>     start at a fixed rate; 0 starts as fast as the nodes keep up (default 0)
          --in-flight <n>         most workflows started and not completed at once when --rate is 0 (default 512)
          --concurrency <n>       instances each node runs at once (default 256)
          --no-batch-commits      each commit in its own transaction (turns the store's group commit off, to compare)
          --defer-commits         steps' completions journaled with the next commit (StepOptions.DeferCommit): 2
                                  commits per workflow instead of 4
          --json <path>           also write the results as JSON
          --keep                  keep the run's schema instead of dropping it
          --smoke                 a 2-second run with one node: proves the tool works, measures nothing
          --history <lengths>     instead: a step's commit on instances whose journal holds each of these numbers of
                                  events (comma-separated, e.g. 10,100,1000,10000), interleaved round by round
          --rounds <n>            rounds of --history, each one commit per length (default 400)
        """;

    public string ConnectionString { get; private set; } = "";

    public int Nodes { get; private set; } = 1;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(20);

    public double Rate { get; private set; }

    public int InFlight { get; private set; } = 512;

    public int Concurrency { get; private set; } = 256;

    public bool BatchCommits { get; private set; } = true;

    public bool DeferCommits { get; private set; }

    public string? JsonPath { get; private set; }

    public bool Keep { get; private set; }

    public bool Smoke { get; private set; }

    /// <summary>The history lengths of an interleaved history-length run, in increasing order; empty for a load run.</summary>
    public IReadOnlyList<int> HistoryLengths { get; private set; } = [];

    public int Rounds { get; private set; } = 400;

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions
        {
            ConnectionString = Environment.GetEnvironmentVariable("WORKFLOW_LOADTEST_POSTGRES")
                ?? Environment.GetEnvironmentVariable("WORKFLOW_TEST_POSTGRES") ?? "",
        };
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--connection": options.ConnectionString = Value(); break;
                case "--nodes": options.Nodes = Int(Value(), "--nodes", 1, 16); break;
                case "--duration": options.Duration = TimeSpan.FromSeconds(Int(Value(), "--duration", 1, 3600)); break;
                case "--warmup": options.Warmup = TimeSpan.FromSeconds(Int(Value(), "--warmup", 0, 600)); break;
                case "--rate": options.Rate = Int(Value(), "--rate", 0, 1_000_000); break;
                case "--in-flight": options.InFlight = Int(Value(), "--in-flight", 1, 100_000); break;
                case "--concurrency": options.Concurrency = Int(Value(), "--concurrency", 1, 10_000); break;
                case "--no-batch-commits": options.BatchCommits = false; break;
                case "--defer-commits": options.DeferCommits = true; break;
                case "--json": options.JsonPath = Value(); break;
                case "--keep": options.Keep = true; break;
                case "--smoke": options.Smoke = true; break;
                case "--history": options.HistoryLengths = Lengths(Value()); break;
                case "--rounds": options.Rounds = Int(Value(), "--rounds", 1, 100_000); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        if (options.Smoke)
        {
            options.Nodes = 1;
            options.Duration = TimeSpan.FromSeconds(2);
            options.Warmup = TimeSpan.FromSeconds(1);
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("No database: pass --connection or set WORKFLOW_LOADTEST_POSTGRES.");
        }

        _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        return options;
    }

    private static int[] Lengths(string text)
    {
        var lengths = text.Split(',').Select(part => Int(part.Trim(), "Each --history length", 1, 100_000)).Distinct().Order().ToArray();
        return lengths.Length > 0 ? lengths : throw new ArgumentException("--history needs at least one length.");
    }

    private static int Int(string text, string name, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name} is '{text}'; it must be a whole number from {min} to {max}.");
}

using System.Text.Json;

namespace Workflow.Report.Inputs;

/// <summary>
/// Everything in <c>benchmarks/results/</c>: the load tool's runs (<c>*.json</c> at the top), pgbench's output, the
/// manifests of the figures scripts, BenchmarkDotNet's exports (<c>bdn/&lt;Class&gt;.json</c>) and the comparison with
/// the peers (<c>compare.json</c>). What is missing stays null (or empty) and the document says so.
/// </summary>
internal sealed class ResultSet
{
    public const string PostgresManifest = "postgres-figures.json";
    public const string EngineManifest = "engine-figures.json";
    public const string CompareFile = "compare.json";
    public const string PgbenchFile = "pgbench-100-rows.txt";
    public const string HistoryFile = "history.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
    private static readonly HashSet<string> NotLoadRuns = [PostgresManifest, EngineManifest, CompareFile, HistoryFile];

    public required string Folder { get; init; }

    public required IReadOnlyList<LoadRun> LoadRuns { get; init; }

    public Pgbench? Pgbench { get; init; }

    public HistoryRun? History { get; init; }

    public RunManifest? Postgres { get; init; }

    public RunManifest? Engine { get; init; }

    public PeerComparison? Peers { get; init; }

    /// <summary>The comparison's path relative to the repository.</summary>
    public required string PeersFile { get; init; }

    public required IReadOnlyDictionary<string, BenchmarkReport> Benchmarks { get; init; }

    /// <summary>The profiles (<c>profile-*.txt</c>): each a text file whose first lines say what it is and how it was
    /// made, by path relative to the repository.</summary>
    public required IReadOnlyList<(string File, string Text)> Profiles { get; init; }

    /// <summary>The export of a benchmark class, if present.</summary>
    public BenchmarkReport? Benchmark(string type) => Benchmarks.GetValueOrDefault(type);

    /// <summary>Reads the folder; <paramref name="relativeTo"/> is the repository root, for the paths the document cites.</summary>
    /// <exception cref="InvalidDataException">A results file is not what its name says.</exception>
    public static ResultSet Read(string folder, string relativeTo, string? compareOverride = null)
    {
        var runs = new List<LoadRun>();
        if (Directory.Exists(folder))
        {
            foreach (var path in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                if (NotLoadRuns.Contains(Path.GetFileName(path)))
                {
                    continue;
                }

                var run = Deserialize<LoadRun>(path);
                run.Name = Path.GetFileNameWithoutExtension(path);
                runs.Add(run);
            }
        }

        var benchmarks = new SortedDictionary<string, BenchmarkReport>(StringComparer.Ordinal);
        var bdn = Path.Combine(folder, "bdn");
        if (Directory.Exists(bdn))
        {
            foreach (var path in Directory.GetFiles(bdn, "*.json").Order(StringComparer.Ordinal))
            {
                benchmarks[Path.GetFileNameWithoutExtension(path)] = BenchmarkReport.Read(path, Relative(relativeTo, path));
            }
        }

        var profiles = new List<(string File, string Text)>();
        if (Directory.Exists(folder))
        {
            foreach (var path in Directory.GetFiles(folder, "profile-*.txt").Order(StringComparer.Ordinal))
            {
                profiles.Add((Relative(relativeTo, path), File.ReadAllText(path).ReplaceLineEndings("\n").TrimEnd('\n')));
            }
        }

        var pgbench = Path.Combine(folder, PgbenchFile);
        var compare = compareOverride ?? Path.Combine(folder, CompareFile);
        return new ResultSet
        {
            Folder = Relative(relativeTo, folder),
            LoadRuns = runs,
            Pgbench = File.Exists(pgbench) ? Pgbench.Parse(File.ReadAllText(pgbench)) : null,
            History = Optional<HistoryRun>(Path.Combine(folder, HistoryFile)),
            Postgres = Optional<RunManifest>(Path.Combine(folder, PostgresManifest)),
            Engine = Optional<RunManifest>(Path.Combine(folder, EngineManifest)),
            Peers = Optional<PeerComparison>(compare),
            PeersFile = Relative(relativeTo, compare),
            Benchmarks = benchmarks,
            Profiles = profiles,
        };
    }

    private static T? Optional<T>(string path)
        where T : class => File.Exists(path) ? Deserialize<T>(path) : null;

    private static T Deserialize<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json)
                ?? throw new InvalidDataException($"{path} holds null instead of a {typeof(T).Name}.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a valid {typeof(T).Name} file: {ex.Message}", ex);
        }
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}

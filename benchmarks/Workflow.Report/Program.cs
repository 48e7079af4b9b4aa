using System.Globalization;
using Workflow.Report;
using Workflow.Report.Charts;
using Workflow.Report.Inputs;
using Workflow.Report.Rendering;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
try
{
    if (args is ["--help"] or ["-h"])
    {
        Console.WriteLine(ReportOptions.Usage);
        return 0;
    }

    var options = ReportOptions.Parse(args);
    var root = RepositoryRoot();
    string Full(string path) => Path.GetFullPath(path, root);

    var results = ResultSet.Read(Full(options.Results), root, options.Compare is { } compare ? Full(compare) : null);
    var outFile = Full(options.Out);
    var chartsFolder = Full(options.Charts);
    var throughputChart = Path.Combine(chartsFolder, "throughput-vs-nodes.svg");
    var historyChart = Path.Combine(chartsFolder, "latency-vs-history.svg");
    string Link(string chart) => Path.GetRelativePath(Path.GetDirectoryName(outFile)!, chart).Replace('\\', '/');

    var blocks = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["regenerate"] = $"```sh\n{Sections.Regenerate}\n```\n",
        ["targets"] = Sections.Targets(results),
        ["peers"] = Sections.Peers(results),
        ["inmemory"] = Sections.InMemory(results),
        ["ai"] = Sections.AI(results),
        ["eventstore"] = Sections.EventStore(results),
        ["workflows"] = Sections.Workflows(results, Link(throughputChart)),
        ["history"] = Sections.History(results, Link(historyChart)),
        ["profiles"] = Sections.Profiles(results),
    };
    var document = Template.Fill(File.ReadAllText(Full(options.Template)), blocks);

    if (options.Check)
    {
        return Check(outFile, document, root);
    }

    Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
    File.WriteAllText(outFile, document);
    Console.WriteLine($"wrote {Path.GetRelativePath(root, outFile)}");
    if (ChartWriter.ThroughputVsNodes(results.LoadRuns, throughputChart))
    {
        Console.WriteLine($"wrote {Path.GetRelativePath(root, throughputChart)}");
    }

    if (ChartWriter.LatencyVsHistory(results, historyChart))
    {
        Console.WriteLine($"wrote {Path.GetRelativePath(root, historyChart)}");
    }

    return 0;
}
catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(ReportOptions.Usage);
    return 2;
}

// The document must be what its results produce, and the charts it shows must exist (they are not compared: their
// text layout depends on the fonts of the machine that drew them).
static int Check(string outFile, string expected, string root)
{
    var name = Path.GetRelativePath(root, outFile);
    var actual = File.Exists(outFile) ? File.ReadAllText(outFile).ReplaceLineEndings("\n") : "";
    if (actual != expected)
    {
        var a = actual.Split('\n');
        var e = expected.Split('\n');
        var line = 0;
        while (line < a.Length && line < e.Length && a[line] == e[line])
        {
            line++;
        }

        Console.Error.WriteLine($"{name} is not what the results produce (first difference at line {line + 1}):");
        Console.Error.WriteLine($"  committed: {(line < a.Length ? a[line] : "<end of file>")}");
        Console.Error.WriteLine($"  generated: {(line < e.Length ? e[line] : "<end of file>")}");
        Console.Error.WriteLine($"Regenerate it with `{Sections.Regenerate}` and commit it with its results.");
        return 1;
    }

    var missing = System.Text.RegularExpressions.Regex.Matches(expected, @"!\[[^\]]*\]\(([^)]+\.svg)\)")
        .Select(m => Path.GetFullPath(m.Groups[1].Value, Path.GetDirectoryName(outFile)!))
        .Where(chart => !File.Exists(chart))
        .ToList();
    if (missing.Count > 0)
    {
        Console.Error.WriteLine($"{name} shows chart(s) that do not exist: {string.Join(", ", missing.Select(m => Path.GetRelativePath(root, m)))}. Regenerate with `{Sections.Regenerate}`.");
        return 1;
    }

    Console.WriteLine($"{name} matches its results");
    return 0;
}

// The folder holding Workflow.sln, from the working directory up, then from this program's folder up.
static string RepositoryRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Workflow.sln")))
            {
                return dir.FullName;
            }
        }
    }

    throw new IOException("The repository root (the folder holding Workflow.sln) was not found above the working directory.");
}

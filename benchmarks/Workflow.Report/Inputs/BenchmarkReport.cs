using System.Globalization;
using System.Text.Json;

namespace Workflow.Report.Inputs;

/// <summary>One BenchmarkDotNet run of one class, read from its full JSON export (<c>*-report-full-compressed.json</c>).</summary>
internal sealed class BenchmarkReport
{
    private BenchmarkReport(string file, string host, IReadOnlyList<BenchmarkCase> cases)
    {
        File = file;
        Host = host;
        Cases = cases;
    }

    /// <summary>The export's path relative to the repository.</summary>
    public string File { get; }

    /// <summary>The machine and runtime as BenchmarkDotNet recorded them.</summary>
    public string Host { get; }

    public IReadOnlyList<BenchmarkCase> Cases { get; }

    /// <summary>The case of a method with the given parameters (name=value, as BenchmarkDotNet writes them), if measured.</summary>
    public BenchmarkCase? Find(string method, string? parameters = null) =>
        Cases.FirstOrDefault(c => c.Method == method && (parameters is null || c.Parameters == parameters));

    public static BenchmarkReport Read(string path, string relativePath)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(path));
        var root = document.RootElement;
        var info = root.GetProperty("HostEnvironmentInfo");
        var host = string.Create(CultureInfo.InvariantCulture,
            $"{Text(info, "OsVersion")}, {Text(info, "ProcessorName")}, {Number(info, "PhysicalCoreCount"):0} cores, {Text(info, "RuntimeVersion")} (SDK {Text(info, "DotNetCliVersion")}), BenchmarkDotNet {Text(info, "BenchmarkDotNetVersion")}");
        var cases = new List<BenchmarkCase>();
        foreach (var benchmark in root.GetProperty("Benchmarks").EnumerateArray())
        {
            var statistics = benchmark.TryGetProperty("Statistics", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
            if (statistics.ValueKind != JsonValueKind.Object)
            {
                // A case that failed has no statistics: it is left out, and the sections say what is missing.
                continue;
            }

            var interval = statistics.TryGetProperty("ConfidenceInterval", out var ci) ? ci : default;
            cases.Add(new BenchmarkCase(
                Text(benchmark, "Method"),
                Text(benchmark, "Parameters"),
                Number(statistics, "Mean"),
                interval.ValueKind == JsonValueKind.Object ? Number(interval, "Margin") : double.NaN,
                Number(statistics, "StandardDeviation"),
                Number(statistics, "Median"),
                (int)Number(statistics, "N"),
                benchmark.TryGetProperty("Memory", out var memory) ? Number(memory, "BytesAllocatedPerOperation") : double.NaN));
        }

        return new BenchmarkReport(relativePath, host, cases);
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    // BenchmarkDotNet writes NaN as an empty string.
    private static double Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN;
}

/// <summary>One measured case: times in nanoseconds per operation, allocation in bytes per operation.</summary>
internal sealed record BenchmarkCase(
    string Method, string Parameters, double MeanNs, double ErrorNs, double StdDevNs, double MedianNs, int Iterations, double AllocatedBytes);

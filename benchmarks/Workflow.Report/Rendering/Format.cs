using System.Globalization;

namespace Workflow.Report.Rendering;

/// <summary>Number formats of the document: invariant culture, thousands separated, fixed decimals.</summary>
internal static class Format
{
    public static string Number(double value, int decimals = 0) =>
        double.IsFinite(value) ? value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A ratio as "1.23x".</summary>
    public static string Ratio(double value) => double.IsFinite(value) ? Number(value, 2) + "x" : "n/a";

    public static string Percent(double fraction) => double.IsFinite(fraction) ? Number(fraction * 100, 1) + " %" : "n/a";

    /// <summary>A BenchmarkDotNet time (nanoseconds) in the unit that keeps it readable.</summary>
    public static string Time(double nanoseconds) => nanoseconds switch
    {
        double.NaN => "n/a",
        < 0 => "-" + Time(-nanoseconds),
        >= 1e9 => Number(nanoseconds / 1e9, 3) + " s",
        >= 1e6 => Number(nanoseconds / 1e6, 3) + " ms",
        >= 1e3 => Number(nanoseconds / 1e3, 3) + " µs",
        _ => Number(nanoseconds, 1) + " ns",
    };

    public static string Milliseconds(double milliseconds) =>
        milliseconds >= 1000 ? Number(milliseconds / 1000, 2) + " s" : Number(milliseconds, 1) + " ms";

    public static string Milliseconds3(double milliseconds) => Number(milliseconds, 3) + " ms";

    /// <summary>Bytes with 1 KB = 1,024 B, as BenchmarkDotNet counts them.</summary>
    public static string Bytes(double bytes) => bytes switch
    {
        double.NaN => "n/a",
        >= 1024 * 1024 => Number(bytes / (1024 * 1024), 2) + " MB",
        >= 1024 => Number(bytes / 1024, 2) + " KB",
        _ => Number(bytes) + " B",
    };
}

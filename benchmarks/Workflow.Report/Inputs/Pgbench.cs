using System.Globalization;
using System.Text.RegularExpressions;

namespace Workflow.Report.Inputs;

/// <summary>pgbench's output for the 100-row insert transactions of <c>benchmarks/postgres-figures.sh</c>.</summary>
internal sealed partial record Pgbench(double TransactionsPerSecond, int Clients, int DurationSeconds)
{
    /// <summary>Rows per transaction of the script's pgbench transaction.</summary>
    public const int RowsPerTransaction = 100;

    public double RowsPerSecond => TransactionsPerSecond * RowsPerTransaction;

    public static Pgbench? Parse(string text)
    {
        var tps = TpsPattern().Match(text);
        if (!tps.Success)
        {
            return null;
        }

        var clients = ClientsPattern().Match(text);
        var duration = DurationPattern().Match(text);
        return new Pgbench(
            double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            clients.Success ? int.Parse(clients.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            duration.Success ? int.Parse(duration.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex TpsPattern();

    [GeneratedRegex(@"number of clients: ([0-9]+)")]
    private static partial Regex ClientsPattern();

    [GeneratedRegex(@"duration: ([0-9]+) s")]
    private static partial Regex DurationPattern();
}

using ScottPlot;
using Workflow.Report.Inputs;
using Workflow.Report.Rendering;

namespace Workflow.Report.Charts;

/// <summary>The document's charts, as SVG (ScottPlot renders them without a display).</summary>
internal static class ChartWriter
{
    private const int Width = 720;
    private const int Height = 420;

    /// <summary>Workflows per second against node processes (the median round, and every round); false when there is
    /// no run to plot.</summary>
    public static bool ThroughputVsNodes(IReadOnlyList<LoadRun> runs, string path)
    {
        var scaling = Sections.NodeScaling(runs);
        if (scaling.Count == 0)
        {
            return false;
        }

        var plot = new Plot();
        double[] nodes = [.. scaling.Select(p => (double)p.Nodes)];
        var median = plot.Add.Scatter(nodes, scaling.Select(p => p.Median.WorkflowsPerSecond).ToArray());
        median.LegendText = "durable 3-step workflows/s, median round";
        median.LineWidth = 2;
        median.MarkerSize = 9;
        if (scaling.Any(p => p.Rounds.Count > 1))
        {
            var rounds = plot.Add.Scatter(
                scaling.SelectMany(p => p.Rounds.Select(_ => (double)p.Nodes)).ToArray(),
                scaling.SelectMany(p => p.Rounds.Select(r => r.WorkflowsPerSecond)).ToArray());
            rounds.LegendText = "each round";
            rounds.LineWidth = 0;
            rounds.MarkerSize = 6;
            rounds.MarkerShape = MarkerShape.OpenCircle;
        }

        var top = scaling.SelectMany(p => p.Rounds).Max(r => r.WorkflowsPerSecond);
        plot.Title("Throughput against nodes (PostgreSQL, as fast as they go)");
        plot.XLabel("node processes");
        plot.YLabel("workflows per second");
        plot.Axes.Bottom.SetTicks(nodes, [.. scaling.Select(p => Format.Number(p.Nodes))]);
        plot.Axes.SetLimits(0.5, nodes[^1] + 0.5, 0, top * 1.3);
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path);
        return true;
    }

    /// <summary>Step commit latency against the length of the instance's journal on a log axis: the interleaved run's
    /// mean and median when there is one, else BenchmarkDotNet's mean; BenchmarkDotNet's journal load for scale.</summary>
    public static bool LatencyVsHistory(ResultSet results, string path)
    {
        if (!Sections.HasHistory(results))
        {
            return false;
        }

        var plot = new Plot();
        var series = new List<(double[] X, double[] Y)>();
        var points = results.Benchmark(Sections.HistoryType) is { } report ? Sections.HistoryPoints(report) : [];
        if (results.History is { Lengths.Count: > 0 } run)
        {
            var lengths = run.Lengths.OrderBy(l => l.History).ToList();
            double[] x = [.. lengths.Select(l => Math.Log10(l.History))];
            series.Add(Line(plot, x, [.. lengths.Select(l => l.MeanMs)], "step commit, mean (interleaved run)", MarkerShape.FilledCircle));
            series.Add(Line(plot, x, [.. lengths.Select(l => l.P50Ms)], "step commit, median (interleaved run)", MarkerShape.FilledDiamond));
            if (lengths.FirstOrDefault(l => l.History == 10) is { } shortest)
            {
                Target(plot, shortest.MeanMs);
            }
        }
        else
        {
            var commits = points.Where(p => p.Commit is not null).ToList();
            double[] x = [.. commits.Select(p => Math.Log10(p.History))];
            series.Add(Line(plot, x, [.. commits.Select(p => p.Commit!.MeanNs / 1e6)], "step commit, mean (BenchmarkDotNet)", MarkerShape.FilledCircle));
            if (commits.FirstOrDefault(p => p.History == 10) is { } shortest)
            {
                Target(plot, shortest.Commit!.MeanNs / 1e6);
            }
        }

        var ticks = series.SelectMany(s => s.X).Distinct().Order().ToArray();
        plot.Title("Step commit latency against history length (PostgreSQL)");
        plot.XLabel("events already in the instance's journal (log scale)");
        plot.YLabel("step commit, milliseconds");
        plot.Axes.Bottom.SetTicks(ticks, [.. ticks.Select(t => Format.Number(Math.Pow(10, t)))]);
        plot.Axes.SetLimits(ticks[0] - 0.3, ticks[^1] + 0.3, 0, series.SelectMany(s => s.Y).Max() * 1.6);

        // The journal load grows with the history by design: on its own axis, so that it does not flatten the commits.
        var loads = points.Where(p => p.Load is not null).ToList();
        if (loads.Count > 0)
        {
            double[] loadMs = [.. loads.Select(p => p.Load!.MeanNs / 1e6)];
            var load = plot.Add.Scatter([.. loads.Select(p => Math.Log10(p.History))], loadMs);
            load.LegendText = "whole journal load, mean (BenchmarkDotNet, right axis)";
            load.LineWidth = 1;
            load.MarkerSize = 6;
            load.MarkerShape = MarkerShape.OpenSquare;
            load.Color = Colors.Gray;
            load.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "journal load, milliseconds";
            plot.Axes.SetLimitsY(0, loadMs.Max() * 1.6, plot.Axes.Right);
        }

        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
        return true;
    }

    private static (double[] X, double[] Y) Line(Plot plot, double[] x, double[] y, string legend, MarkerShape marker)
    {
        var line = plot.Add.Scatter(x, y);
        line.LegendText = legend;
        line.LineWidth = 2;
        line.MarkerSize = 8;
        line.MarkerShape = marker;
        return (x, y);
    }

    private static void Target(Plot plot, double shortestMs)
    {
        var target = plot.Add.HorizontalLine(shortestMs * Sections.HistoryTarget);
        target.LegendText = "target: 1.2x the mean at 10 events";
        target.Color = Colors.FireBrick;
        target.LineWidth = 1.5f;
    }

    private static void Save(Plot plot, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        plot.SaveSvg(path, Width, Height);
    }
}

namespace Workflow.Report;

/// <summary>The command line of the report generator. Paths are relative to the repository root.</summary>
internal sealed class ReportOptions
{
    public const string Usage = """
        Workflow.Report: writes docs/benchmarks.md and its charts from the results in benchmarks/results/.

          dotnet run --project benchmarks/Workflow.Report [options]

          --results <dir>    the results folder (default benchmarks/results)
          --template <file>  the markdown template (default benchmarks/Workflow.Report/benchmarks.template.md)
          --out <file>       the document to write (default docs/benchmarks.md)
          --charts <dir>     where the SVG charts go (default docs/charts)
          --compare <file>   the comparison with the peers (default <results>/compare.json)
          --check            write nothing: fail when the document differs from what the results produce
        """;

    public string Results { get; private set; } = "benchmarks/results";

    public string Template { get; private set; } = "benchmarks/Workflow.Report/benchmarks.template.md";

    public string Out { get; private set; } = "docs/benchmarks.md";

    public string Charts { get; private set; } = "docs/charts";

    public string? Compare { get; private set; }

    public bool Check { get; private set; }

    /// <exception cref="ArgumentException">An argument is unknown or lacks its value.</exception>
    public static ReportOptions Parse(string[] args)
    {
        var options = new ReportOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--results": options.Results = Value(); break;
                case "--template": options.Template = Value(); break;
                case "--out": options.Out = Value(); break;
                case "--charts": options.Charts = Value(); break;
                case "--compare": options.Compare = Value(); break;
                case "--check": options.Check = true; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        return options;
    }
}

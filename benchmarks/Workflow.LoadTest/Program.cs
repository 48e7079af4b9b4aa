using Workflow.LoadTest;

try
{
    if (args is ["node", var schema, var nodeId, var concurrency, var batchCommits, var deferCommits])
    {
        var connectionString = Environment.GetEnvironmentVariable("WORKFLOW_LOADTEST_POSTGRES")
            ?? throw new ArgumentException("A node needs WORKFLOW_LOADTEST_POSTGRES.");
        return await Node.RunAsync(connectionString, schema, nodeId, int.Parse(concurrency, System.Globalization.CultureInfo.InvariantCulture), batchCommits == "batch", deferCommits == "defer");
    }

    if (args is ["--help"] or ["-h"])
    {
        Console.WriteLine(LoadOptions.Usage);
        return 0;
    }

    var options = LoadOptions.Parse(args);
    return options.HistoryLengths.Count > 0
        ? await new HistoryProbe(options).RunAsync()
        : await new Coordinator(options).RunAsync();
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

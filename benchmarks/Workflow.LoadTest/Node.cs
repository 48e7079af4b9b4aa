using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workflow.LoadTest;

/// <summary>A worker process: runs the load workflow's instances from the shared schema until its standard input closes.</summary>
internal static class Node
{
    public static async Task<int> RunAsync(string connectionString, string schema, string nodeId, int concurrency, bool batchCommits, bool deferCommits)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddWorkflows(o =>
            {
                o.NodeId = nodeId;
                o.MaxConcurrentInstances = concurrency;
                o.QueueCapacity = concurrency * 4;
                o.ClaimBatchSize = Math.Min(64, concurrency);
            })
            .UsePostgres(connectionString, o =>
            {
                o.Schema = schema;
                o.BatchCommits = batchCommits;
            })
            .AddWorkflow(LoadWorkflow.Create(deferCommits));
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        await Console.Out.WriteLineAsync("ready").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);

        // The coordinator closes our standard input to stop us (and kills us if that does not).
        await Task.Run(() => Console.In.ReadToEnd()).ConfigureAwait(false);
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(stopping.Token).ConfigureAwait(false);
        return 0;
    }
}

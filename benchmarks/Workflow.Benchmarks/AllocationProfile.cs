using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;

namespace Workflow.Benchmarks;

/// <summary>
/// Where an in-memory workflow's allocations go, by type: the runtime's own allocation sampling (the GC's allocation
/// ticks, one about every 100 KB allocated, naming the type that crossed it) over 20,000 three-step workflows run 1,000
/// at a time, as <see cref="InMemoryWorkflowBenchmarks"/> runs them. The shares are a sample, good to a percent or so;
/// the bytes per workflow are exact (<see cref="GC.GetTotalAllocatedBytes(bool)"/>).
/// </summary>
internal static class AllocationProfile
{
    private const int Batch = 1000;
    private const int Batches = 20;

    public static async Task<int> RunAsync(string path)
    {
        var definition = WorkflowDefinition.Create<int>("three-steps")
            .Then("step-1", static x => x + 1)
            .Then("step-2", static x => x + 1)
            .Then("step-3", static x => x + 1)
            .Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddWorkflows().AddWorkflow(definition);
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IWorkflowClient>();
        for (var i = 0; i < 5; i++)
        {
            await RunBatchAsync(client, definition);
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < Batches; i++)
        {
            await RunBatchAsync(client, definition);
        }

        var perWorkflow = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)(Batch * Batches);
        IReadOnlyDictionary<string, long> sampled;
        using (var listener = new AllocationListener())
        {
            for (var i = 0; i < Batches; i++)
            {
                await RunBatchAsync(client, definition);
            }

            sampled = listener.Snapshot();
        }

        await host.StopAsync();
        var total = Math.Max(1, sampled.Values.Sum());
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Allocations of an in-memory 3-step workflow, by type: {perWorkflow:F0} bytes per workflow ({Batches * Batch:N0} workflows, {Batch:N0} at a time)");
        text.AppendLine("# dotnet run -c Release --project benchmarks/Workflow.Benchmarks -- --allocation-profile <file>");
        text.AppendLine("# share of the sampled bytes, estimated bytes per workflow, type");
        foreach (var (type, bytes) in sampled.OrderByDescending(p => p.Value).Take(30))
        {
            var share = bytes / (double)total;
            text.AppendLine(CultureInfo.InvariantCulture, $"{share * 100,6:F1} %  {share * perWorkflow,6:F0} B  {type}");
        }

        await File.WriteAllTextAsync(path, text.ToString());
        Console.Write(text);
        return 0;
    }

    private static async Task RunBatchAsync(IWorkflowClient client, WorkflowDefinition<int, int> definition)
    {
        var handles = new Task<WorkflowHandle<int>>[Batch];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = client.StartAsync(definition, i);
        }

        var results = new Task<int>[Batch];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = (await handles[i]).GetResultAsync();
        }

        await Task.WhenAll(results);
    }

    /// <summary>Sums the runtime's allocation ticks by type name.</summary>
    private sealed class AllocationListener : EventListener
    {
        private const EventKeywords GcKeyword = (EventKeywords)0x1;
        private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
        private volatile bool _recording = true;

        public Dictionary<string, long> Snapshot()
        {
            _recording = false;
            return new Dictionary<string, long>(_bytes, StringComparer.Ordinal);
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (!_recording || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true
                || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
            {
                return;
            }

            var type = payload[names.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(payload[names.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
            _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
        }
    }
}

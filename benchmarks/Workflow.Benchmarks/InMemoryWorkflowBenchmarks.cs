using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;

namespace Workflow.Benchmarks;

/// <summary>
/// Start-to-completion of journaled workflows on the in-memory store, through the public client: start, run every
/// step through the runtime's queue and journal, and wait for the result. One operation runs <see cref="Workflows"/>
/// instances concurrently; workflows/s = Workflows / mean, and allocated bytes per workflow = Allocated / Workflows
/// (the allocation count is process-wide, so the runtime's own threads are included).
/// </summary>
[MemoryDiagnoser]
public class InMemoryWorkflowBenchmarks
{
    private IHost _host = null!;
    private IWorkflowClient _client = null!;
    private WorkflowDefinition<int, int> _threeSteps = null!;
    private WorkflowDefinition<int, int> _oneStep = null!;
    private WorkflowDefinition<int, int> _twentyOneSteps = null!;

    [Params(1000)]
    public int Workflows { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _threeSteps = Chain("three-steps", 3);
        _oneStep = Chain("one-step", 1);
        _twentyOneSteps = Chain("twenty-one-steps", 21);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddWorkflows().AddWorkflow(_threeSteps).AddWorkflow(_oneStep).AddWorkflow(_twentyOneSteps);
        _host = builder.Build();
        await _host.StartAsync();
        _client = _host.Services.GetRequiredService<IWorkflowClient>();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>The headline figure: a 3-step workflow (each step a trivial computation), start to completion.</summary>
    [Benchmark(Baseline = true)]
    public Task ThreeStepWorkflows() => RunAsync(_threeSteps);

    /// <summary>With <see cref="TwentyOneStepWorkflows"/>: per-step overhead = (T21 - T1) / 20 / Workflows.</summary>
    [Benchmark]
    public Task OneStepWorkflows() => RunAsync(_oneStep);

    [Benchmark]
    public Task TwentyOneStepWorkflows() => RunAsync(_twentyOneSteps);

    private async Task RunAsync(WorkflowDefinition<int, int> definition)
    {
        var handles = new Task<WorkflowHandle<int>>[Workflows];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = _client.StartAsync(definition, i);
        }

        var results = new Task<int>[Workflows];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = (await handles[i]).GetResultAsync();
        }

        await Task.WhenAll(results);
    }

    private static WorkflowDefinition<int, int> Chain(string name, int steps)
    {
        var builder = WorkflowDefinition.Create<int>(name).Then("step-1", static x => x + 1);
        for (var i = 2; i <= steps; i++)
        {
            builder = builder.Then($"step-{i}", static x => x + 1);
        }

        return builder.Build();
    }
}

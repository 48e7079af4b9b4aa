using BenchmarkDotNet.Attributes;

namespace Workflow.Benchmarks;

/// <summary>
/// Ours in the shape of the Workflow Core benchmark (<c>Peers.WorkflowCore</c>): <see cref="Workflows"/> 3-step
/// workflows started at once and run to completion per operation, on the in-memory store through the full journaling
/// path: workflows/s = Workflows / mean. As there, each iteration gets a fresh host and store, warmed up with 100
/// workflows, and ours runs with its default settings.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1, 1)]
public class TenThousandWorkflowsBenchmarks
{
    private PeerShapeHost _host = null!;

    [Params(10_000)]
    public int Workflows { get; set; }

    [IterationSetup]
    public async Task StartHostAsync() => _host = await PeerShapeHost.StartAsync();

    [IterationCleanup]
    public Task StopHostAsync() => _host.DisposeAsync().AsTask();

    [Benchmark]
    public async Task ThreeStepWorkflows()
    {
        var handles = new Task<Client.WorkflowHandle<int>>[Workflows];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = _host.Client.StartAsync(PeerShapeHost.ThreeSteps, i);
        }

        var results = new Task<int>[Workflows];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = (await handles[i]).GetResultAsync();
        }

        await Task.WhenAll(results);
    }
}

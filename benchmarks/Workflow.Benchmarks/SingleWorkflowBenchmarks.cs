using BenchmarkDotNet.Attributes;

namespace Workflow.Benchmarks;

/// <summary>
/// Ours in the shape of the Agent Framework benchmark (<c>Peers.AgentFramework</c>): 3-step workflows started and
/// awaited to completion one after another, on the in-memory store through the full journaling path: workflows/s =
/// 1 / mean, bytes per workflow = Allocated (process-wide, so the runtime's own threads are included). Each iteration
/// gets a fresh host, warmed up with 100 workflows, so the in-memory store (which keeps every instance) does not grow
/// over the run; an iteration runs <see cref="Runs"/> workflows in a row (BenchmarkDotNet invokes a benchmark with an
/// iteration setup once per iteration, so one workflow per invocation would time a single, cold run).
/// </summary>
[MemoryDiagnoser]
public class SingleWorkflowBenchmarks
{
    private PeerShapeHost _host = null!;
    private int _input;

    /// <summary>How many events the journal of one 3-step workflow holds (printed; compare.sh reports it).</summary>
    public int JournalEventsPerWorkflow { get; private set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        await using var host = await PeerShapeHost.StartAsync();
        JournalEventsPerWorkflow = await host.JournalEventsPerWorkflowAsync();
        Console.WriteLine($"// journal events per 3-step workflow: {JournalEventsPerWorkflow}");
    }

    [IterationSetup]
    public async Task StartHostAsync() => _host = await PeerShapeHost.StartAsync();

    [IterationCleanup]
    public Task StopHostAsync() => _host.DisposeAsync().AsTask();

    /// <summary>Workflows run in a row per invocation.</summary>
    public const int Runs = 1000;

    /// <summary>One 3-step workflow, start to completion.</summary>
    [Benchmark(OperationsPerInvoke = Runs)]
    public async Task<int> ThreeStepWorkflow()
    {
        var last = 0;
        for (var i = 0; i < Runs; i++)
        {
            var handle = await _host.Client.StartAsync(PeerShapeHost.ThreeSteps, _input++);
            last = await handle.GetResultAsync();
        }

        return last;
    }
}

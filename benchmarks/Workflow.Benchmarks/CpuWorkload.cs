using System.Diagnostics;

namespace Workflow.Benchmarks;

/// <summary>
/// A steady in-memory load for a sampling CPU profiler (<c>benchmarks/cpu-profile.sh</c> runs <c>perf</c> over it):
/// 3-step workflows 1,000 at a time, as <see cref="InMemoryWorkflowBenchmarks"/> runs them, each host used for 10
/// batches and then replaced (so the in-memory store, which keeps every instance, stays as small as in the
/// benchmarks), for the given number of seconds. It prints its process id first, so the profiler can attach.
/// </summary>
internal static class CpuWorkload
{
    private const int Batch = 1000;
    private const int BatchesPerHost = 10;

    public static async Task<int> RunAsync(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        Console.WriteLine($"pid {Environment.ProcessId}");
        var clock = Stopwatch.StartNew();
        long workflows = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            await using var host = await PeerShapeHost.StartAsync();
            for (var batch = 0; batch < BatchesPerHost; batch++)
            {
                var handles = new Task<Client.WorkflowHandle<int>>[Batch];
                for (var i = 0; i < handles.Length; i++)
                {
                    handles[i] = host.Client.StartAsync(PeerShapeHost.ThreeSteps, i);
                }

                var results = new Task<int>[Batch];
                for (var i = 0; i < results.Length; i++)
                {
                    results[i] = (await handles[i]).GetResultAsync();
                }

                await Task.WhenAll(results);
                workflows += Batch;
            }
        }

        Console.WriteLine($"{workflows} workflows in {clock.Elapsed.TotalSeconds:F1} s: {workflows / clock.Elapsed.TotalSeconds:F0}/s (warm-up included)");
        return 0;
    }
}

using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WorkflowCore.Interface;
using WorkflowCore.Models;
using WorkflowCore.Models.LifeCycleEvents;

namespace Peers.WorkflowCore;

/// <summary>
/// Workflow Core 3.22 with its in-memory persistence and single-node queue: <see cref="Workflows"/> instances of the same
/// 3-step workflow as ours (each step adds one to an int) started at once and run to completion per operation:
/// workflows/s = Workflows / mean. Compared with <c>Workflow.Benchmarks.PeerShapeBenchmarks.TenThousandThreeStepWorkflows</c>
/// by <c>benchmarks/compare.sh</c>.
/// </summary>
/// <remarks>
/// <para>
/// Each iteration gets a fresh host (and so an empty store), warmed up with 100 workflows as ours: Workflow Core's
/// in-memory persistence finds an instance by a linear scan of a list, so a store that kept the instances of earlier
/// iterations would slow every later one down.
/// Completion is Workflow Core's own <see cref="WorkflowCompleted"/> life-cycle event, raised after the final state is
/// persisted (ours waits for the completed journal the same way).
/// </para>
/// <para>
/// <see cref="Settings"/> <c>default</c> is Workflow Core as configured out of the box. <c>tuned</c> is its best fair
/// configuration for this workload, the figure the ratio is computed against:
/// <list type="bullet">
/// <item>The search-index consumer is off (<c>EnableIndexes = false</c>): no index is registered, yet by default every
/// executed workflow is queued to it.</item>
/// <item>The external-event consumer is off (<c>EnableEvents = false</c>): these workflows wait for no event.</item>
/// <item>Polling is off (<c>EnablePolling = false</c>): a started workflow is queued in process at once; the poller only
/// finds work left behind (sleeping or failed workflows, other nodes), and none exists here.</item>
/// <item>Idle time 1 ms instead of 100 ms (<c>UseIdleTime</c>): how long a consumer sleeps when its queue is empty, so a
/// batch's tail is not delayed by up to 100 ms per step.</item>
/// <item><see cref="TunedConcurrency"/> workflows at once per consumer (<c>UseMaxConcurrentWorkflows</c>) instead of
/// max(cores, 4): the best of 4, 8, 16 and 32 measured on 2 cores (the steps never block; 4 to 16 were within 8 % of
/// each other, 32 was slower).</item>
/// </list>
/// The life-cycle publisher stays on: it is how completion is observed.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[InvocationCount(1, 1)]
public class WorkflowCoreBenchmarks
{
    /// <summary>Best of the values tried (see the remarks).</summary>
    public const int TunedConcurrency = 8;

    private ServiceProvider _services = null!;
    private IWorkflowHost _host = null!;
    private TaskCompletionSource _allCompleted = null!;
    private int _remaining;

    [Params(10_000)]
    public int Workflows { get; set; }

    [Params("default", "tuned")]
    public string Settings { get; set; } = "tuned";

    [IterationSetup]
    public async Task StartHostAsync()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddWorkflow(options =>
        {
            if (Settings == "tuned")
            {
                options.EnableIndexes = false;
                options.EnableEvents = false;
                options.EnablePolling = false;
                options.UseIdleTime(TimeSpan.FromMilliseconds(1));
                options.UseMaxConcurrentWorkflows(TunedConcurrency);
            }
        });
        _services = services.BuildServiceProvider();
        _host = _services.GetRequiredService<IWorkflowHost>();
        _host.RegisterWorkflow<ThreeSteps, Counter>();
        _host.OnLifeCycleEvent += OnLifeCycleEvent;
        _host.Start();
        await RunAsync(100);
    }

    [IterationCleanup]
    public void StopHost()
    {
        _host.Stop();
        _services.Dispose();
    }

    [Benchmark]
    public Task ThreeStepWorkflows() => RunAsync(Workflows);

    private async Task RunAsync(int workflows)
    {
        _remaining = workflows;
        _allCompleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starts = new Task<string>[workflows];
        for (var i = 0; i < starts.Length; i++)
        {
            starts[i] = _host.StartWorkflow(ThreeSteps.Name, 1, new Counter { Value = i });
        }

        await Task.WhenAll(starts);
        await _allCompleted.Task.WaitAsync(TimeSpan.FromMinutes(5));
    }

    private void OnLifeCycleEvent(LifeCycleEvent e)
    {
        if (e is WorkflowCompleted && Interlocked.Decrement(ref _remaining) == 0)
        {
            _allCompleted.TrySetResult();
        }
    }

    public sealed class Counter
    {
        public int Value { get; set; }
    }

    private sealed class ThreeSteps : IWorkflow<Counter>
    {
        public const string Name = "three-steps";

        public string Id => Name;

        public int Version => 1;

        public void Build(IWorkflowBuilder<Counter> builder) => builder.StartWith(AddOne).Then(AddOne).Then(AddOne);

        private static ExecutionResult AddOne(IStepExecutionContext context)
        {
            ((Counter)context.Workflow.Data).Value++;
            return ExecutionResult.Next();
        }
    }
}

using BenchmarkDotNet.Attributes;
using Microsoft.Agents.AI.Workflows;

namespace Peers.AgentFramework;

/// <summary>
/// Microsoft Agent Framework workflows 1.28, in process: the same 3-step workflow as ours (three executors in a chain,
/// each adds one to an int), one run start to completion per operation: runs/s = 1 / mean, bytes per run = Allocated.
/// Compared with <c>Workflow.Benchmarks.PeerShapeBenchmarks.SingleThreeStepWorkflow</c> by <c>benchmarks/compare.sh</c>.
/// </summary>
/// <remarks>
/// Settings, and why they are fair: the workflow is built once and reused (its executors are declared thread-safe, so
/// no per-run executor instances are created); runs use <see cref="InProcessExecution.Lockstep"/>, which runs each
/// superstep on the calling thread without a background pump (the lightest in-process environment; the default
/// off-thread one adds a thread hop per superstep). With checkpoints, a fresh <see cref="CheckpointManager.CreateInMemory"/>
/// per run, as a run's own in-memory durability (the closest to our in-memory journal: a checkpoint per superstep).
/// The result is read from the run's <see cref="WorkflowOutputEvent"/>, and checked.
/// </remarks>
[MemoryDiagnoser]
public class AgentFrameworkBenchmarks
{
    private Workflow _threeSteps = null!;
    private int _input;

    [GlobalSetup]
    public void Setup()
    {
        var step1 = ((Func<int, int>)AddOne).BindAsExecutor("step-1", threadsafe: true);
        var step2 = ((Func<int, int>)AddOne).BindAsExecutor("step-2", threadsafe: true);
        var step3 = ((Func<int, int>)AddOne).BindAsExecutor("step-3", threadsafe: true);
        _threeSteps = new WorkflowBuilder(step1)
            .AddEdge(step1, step2)
            .AddEdge(step2, step3)
            .WithOutputFrom(step3)
            .Build();
    }

    /// <summary>One 3-step run, no checkpointing.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> ThreeStepRun()
    {
        var input = _input++;
        await using var run = await InProcessExecution.Lockstep.RunAsync(_threeSteps, input);
        return Output(run, input);
    }

    /// <summary>One 3-step run with an in-memory checkpoint manager (a checkpoint after every superstep).</summary>
    [Benchmark]
    public async Task<int> ThreeStepRunInMemoryCheckpoints()
    {
        var input = _input++;
        await using var run = await InProcessExecution.Lockstep
            .WithCheckpointing(CheckpointManager.CreateInMemory())
            .RunAsync(_threeSteps, input);
        return Output(run, input);
    }

    private static int AddOne(int value) => value + 1;

    private static int Output(Run run, int input)
    {
        foreach (var e in run.NewEvents)
        {
            if (e is WorkflowOutputEvent output && output.Is<int>(out var result))
            {
                return result == input + 3
                    ? result
                    : throw new InvalidOperationException($"The workflow returned {result}, expected {input + 3}.");
            }
        }

        throw new InvalidOperationException("The run ended without an output.");
    }
}

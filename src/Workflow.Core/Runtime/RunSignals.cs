namespace Workflow.Runtime;

/// <summary>A step failed for good: the run ends and the instance fails with <see cref="Failure"/>.</summary>
internal sealed class StepFailureSignal(string stepPath, int attempt, WorkflowFailure failure, Exception? cause)
    : Exception($"Step '{stepPath}' failed: {failure}", cause)
{
    public string StepPath { get; } = stepPath;

    public int Attempt { get; } = attempt;

    public WorkflowFailure Failure { get; } = failure;
}

/// <summary>This node may not write to the instance any more: its lease was lost or its run was abandoned.</summary>
internal sealed class RunFencedSignal(string reason) : Exception(reason);

/// <summary>The node is stopping: the run ends at a step boundary and its lease is released for another node.</summary>
internal sealed class RunStoppingSignal() : Exception("The workflow runtime is stopping.");

/// <summary>The walk reached a wait that cannot be satisfied yet: the run ends, and the instance runs again when an
/// event arrives or at <see cref="WakeAt"/>.</summary>
internal sealed class SuspendSignal(DateTimeOffset? wakeAt) : Exception("The workflow is waiting.")
{
    public DateTimeOffset? WakeAt { get; } = wakeAt;

    public static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : (a < b ? a : b);
}

/// <summary>A loop that continues as new finished an iteration at which it does: the run journals a fresh start that
/// carries <see cref="Value"/> (already serialized) and <see cref="Iteration"/>, drops the journal before it, and the
/// instance runs again from there.</summary>
internal sealed class ContinueAsNewSignal(string loopPath, int iteration, byte[] value) : Exception("The workflow continues as new.")
{
    public string LoopPath { get; } = loopPath;

    public int Iteration { get; } = iteration;

    public byte[] Value { get; } = value;
}

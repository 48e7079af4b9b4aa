namespace Workflow.Definitions.Nodes;

/// <summary>Runs a body again and again on its own output until a condition holds, at most <see cref="MaxIterations"/> times.</summary>
internal sealed class LoopNode(string name, Type type, FlowBlock body, Func<object?, bool> until, int maxIterations, int continueAsNewEvery = 0)
    : FlowNode(name, type, type)
{
    public FlowBlock Body { get; } = body;

    public Func<object?, bool> Until { get; } = until;

    public int MaxIterations { get; } = maxIterations;

    /// <summary>Gets every how many iterations the instance continues as new (a fresh journal carrying the loop's
    /// value), or 0 for never.</summary>
    public int ContinueAsNewEvery { get; } = continueAsNewEvery;

    public override IEnumerable<FlowBlock> Children => [Body];
}

namespace Workflow.Definitions.Nodes;

/// <summary>Runs a body again and again on its own output until a condition holds, at most <see cref="MaxIterations"/> times.</summary>
internal sealed class LoopNode(string name, Type type, FlowBlock body, Func<object?, bool> until, int maxIterations)
    : FlowNode(name, type, type)
{
    public FlowBlock Body { get; } = body;

    public Func<object?, bool> Until { get; } = until;

    public int MaxIterations { get; } = maxIterations;

    public override IEnumerable<FlowBlock> Children => [Body];
}

namespace Workflow.Definitions.Nodes;

/// <summary>Runs fixed branches on the same input at once and joins their outputs.</summary>
internal sealed class ParallelNode(string name, Type inputType, Type outputType, IReadOnlyList<FlowBlock> branches, Func<object?[], object?> join)
    : FlowNode(name, inputType, outputType)
{
    public IReadOnlyList<FlowBlock> Branches { get; } = branches;

    public Func<object?[], object?> Join { get; } = join;

    public override IEnumerable<FlowBlock> Children => Branches;
}

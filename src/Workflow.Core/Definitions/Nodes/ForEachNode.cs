namespace Workflow.Definitions.Nodes;

/// <summary>Runs a body for every item of a collection, at most <see cref="MaxParallelism"/> at once, and collects the outputs in order.</summary>
internal sealed class ForEachNode(string name, Type inputType, Type outputType, Func<object?, IReadOnlyList<object?>> selectItems, FlowBlock body, int maxParallelism, Func<object?[], object?> collect)
    : FlowNode(name, inputType, outputType)
{
    public Func<object?, IReadOnlyList<object?>> SelectItems { get; } = selectItems;

    public FlowBlock Body { get; } = body;

    public int MaxParallelism { get; } = maxParallelism;

    public Func<object?[], object?> Collect { get; } = collect;

    public override IEnumerable<FlowBlock> Children => [Body];
}

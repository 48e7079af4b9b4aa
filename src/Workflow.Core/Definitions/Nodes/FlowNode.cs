namespace Workflow.Definitions.Nodes;

/// <summary>One node of a workflow graph: it turns a value of <see cref="InputType"/> into one of <see cref="OutputType"/>.</summary>
internal abstract class FlowNode(string name, Type inputType, Type outputType)
{
    public string Name { get; } = name;

    public Type InputType { get; } = inputType;

    public Type OutputType { get; } = outputType;

    /// <summary>Gets the blocks nested in this node (branch arms, parallel branches, loop and for-each bodies).</summary>
    public virtual IEnumerable<FlowBlock> Children => [];
}

/// <summary>A sequence of nodes; the output of each is the input of the next.</summary>
internal sealed class FlowBlock(Type inputType)
{
    public Type InputType { get; } = inputType;

    public List<FlowNode> Nodes { get; } = [];

    public Type OutputType => Nodes.Count == 0 ? InputType : Nodes[^1].OutputType;
}

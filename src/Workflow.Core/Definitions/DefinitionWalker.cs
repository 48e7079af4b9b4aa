using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

internal static class DefinitionWalker
{
    /// <summary>Every node of a block and of its nested blocks, depth first, in graph order.</summary>
    public static IEnumerable<FlowNode> Nodes(FlowBlock block)
    {
        foreach (var node in block.Nodes)
        {
            yield return node;
            foreach (var child in node.Children)
            {
                foreach (var nested in Nodes(child))
                {
                    yield return nested;
                }
            }
        }
    }
}

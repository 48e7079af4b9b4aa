namespace Workflow.Definitions.Nodes;

/// <summary>Starts a child instance of another registered workflow and continues with its output, journaled here.</summary>
internal sealed class SubWorkflowNode(string name, Type inputType, WorkflowDefinition child, Func<object?, object?> input)
    : FlowNode(name, inputType, child.OutputType)
{
    public WorkflowDefinition Child { get; } = child;

    public Func<object?, object?> Input { get; } = input;
}

using Workflow.Definitions.Nodes;

namespace Workflow.Definitions;

public sealed partial class WorkflowBuilder<TInput, TCurrent>
{
    /// <summary>Runs another workflow as a child instance and continues with its output. The child's id is
    /// <c>{parentId}/{stepPath}</c>, so a restarted parent never starts it twice; the child survives restarts on its
    /// own, its result is journaled in the parent, and canceling the parent cancels the child. The child's
    /// definition must be registered too.</summary>
    /// <typeparam name="TChildInput">The child's input type.</typeparam>
    /// <typeparam name="TChildOutput">The child's output type, this node's output.</typeparam>
    /// <param name="name">The node's name, unique in the workflow.</param>
    /// <param name="workflow">The child workflow.</param>
    /// <param name="input">Builds the child's input from the current value; it must depend only on its argument.</param>
    /// <returns>The builder for the step after the sub-workflow.</returns>
    public WorkflowBuilder<TInput, TChildOutput> SubWorkflow<TChildInput, TChildOutput>(
        string name, WorkflowDefinition<TChildInput, TChildOutput> workflow, Func<TCurrent, TChildInput> input)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(input);
        return Append<TChildOutput>(new SubWorkflowNode(name, typeof(TCurrent), workflow, value => input((TCurrent)value!)));
    }
}

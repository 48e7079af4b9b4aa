using Workflow.Definitions;

namespace Workflow.LoadTest;

/// <summary>The measured workflow: three steps, each a trivial computation, each journaled before the next starts.</summary>
internal static class LoadWorkflow
{
    public static WorkflowDefinition<int, int> Definition { get; } = WorkflowDefinition.Create<int>("load-three-steps")
        .Then("first", x => x + 1)
        .Then("second", x => x + 1)
        .Then("third", x => x + 1)
        .Build();
}

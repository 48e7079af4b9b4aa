using Workflow.Definitions;

namespace Workflow.LoadTest;

/// <summary>The measured workflow: three steps, each a trivial computation, each journaled before the next starts
/// (or, with <c>--defer-commits</c>, journaled with the next commit: <see cref="StepOptions.DeferCommit"/>).</summary>
internal static class LoadWorkflow
{
    public static WorkflowDefinition<int, int> Definition { get; } = Create(deferCommits: false);

    public static WorkflowDefinition<int, int> Create(bool deferCommits) => WorkflowDefinition.Create<int>("load-three-steps")
        .WithDefaultStepOptions(new StepOptions { DeferCommit = deferCommits })
        .Then("first", x => x + 1)
        .Then("second", x => x + 1)
        .Then("third", x => x + 1)
        .Build();
}

using Workflow.Definitions;
using Workflow.Testing;
using Xunit;

namespace Workflow.Tests.Replay;

/// <summary>The replayer over a history recorded under Replay/Histories: it passes on the definition it was recorded
/// with and catches the changes in-flight instances could not follow.</summary>
public sealed class ReplayerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string History(string file) => Path.Combine(AppContext.BaseDirectory, "Replay", "Histories", file);

    private static WorkflowDefinition<Parcel, string> Shipping(Func<WorkflowBuilder<Parcel, Parcel>, WorkflowBuilder<Parcel, string>> steps) =>
        steps(WorkflowDefinition.Create<Parcel>("shipping")).Build();

    [Fact]
    public async Task Replay_UnchangedDefinition_IsDeterministic()
    {
        var current = Shipping(p => p.Then("validate", x => x.Id).Then("reserve", x => "slot").Then("label", s => "label:" + s));

        var result = await WorkflowReplayer.ReplayFileAsync(History("shipping-v1-completed.json"), [current], Token);

        Assert.True(result.IsDeterministic, result.Divergence);
        Assert.Equal(("shipping-1", "shipping", 1), (result.InstanceId, result.WorkflowName, result.WorkflowVersion));
    }

    [Fact]
    public async Task Replay_StepsReordered_ReportsTheFirstDivergence()
    {
        var reordered = Shipping(p => p.Then("reserve", x => x.Id).Then("validate", x => "slot").Then("label", s => "label:" + s));

        var result = await WorkflowReplayer.ReplayFileAsync(History("shipping-v1-completed.json"), [reordered], Token);

        Assert.False(result.IsDeterministic);
        Assert.Contains("step 'validate' comes after an earlier step in the definition, but the journal completed it before", result.Divergence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_StepRemoved_ReportsTheUnreachedStep()
    {
        var removed = Shipping(p => p.Then("validate", x => x.Id).Then("label", x => "label"));

        var result = await WorkflowReplayer.ReplayFileAsync(History("shipping-v1-completed.json"), [removed], Token);

        Assert.Contains("the journal completed 'reserve', which the definition does not reach", result.Divergence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_StepOutputRetyped_ReportsThatTheJournaledOutputDoesNotFit()
    {
        var retyped = Shipping(p => p.Then("validate", x => x).Then("reserve", x => "slot").Then("label", s => "label:" + s));

        var result = await WorkflowReplayer.ReplayFileAsync(History("shipping-v1-completed.json"), [retyped], Token);

        Assert.Contains("the journaled output of step 'validate' does not fit its type Parcel", result.Divergence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_StepAppended_StillReplays()
    {
        var appended = Shipping(p => p.Then("validate", x => x.Id).Then("reserve", x => "slot").Then("label", s => "label:" + s).Then("notify", s => s));

        var result = await WorkflowReplayer.ReplayFileAsync(History("shipping-v1-completed.json"), [appended], Token);

        Assert.True(result.IsDeterministic, result.Divergence);
    }

    public sealed record Parcel(string Id, int Weight);
}

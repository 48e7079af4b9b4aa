using Workflow.Definitions;
using Workflow.TestUtilities;
using Xunit;
using Microsoft.Extensions.DependencyInjection;

namespace Workflow.Tests.Runtime;

public sealed class SmokeTests
{
    [Fact]
    public async Task ThreeSteps_RunToCompletion()
    {
        var definition = WorkflowDefinition.Create<int>("smoke")
            .Then("double", x => x * 2)
            .Then("add", async (x, ctx, ct) => { await Task.Yield(); return x + 1; })
            .Then("text", x => $"value {x}")
            .Build();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(definition), cancellationToken: TestContext.Current.CancellationToken);

        var handle = await host.Client.StartAsync(definition, 20, cancellationToken: TestContext.Current.CancellationToken);
        var result = await handle.GetResultAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal("value 41", result);
        var history = await handle.GetHistoryAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["workflow.started.v1", "step.completed.v1", "step.completed.v1", "step.completed.v1", "workflow.completed.v1"], history.Select(h => h.EventType));
    }
}

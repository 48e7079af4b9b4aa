using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Storage.InMemory;
using Workflow.Testing;
using Workflow.TestUtilities;
using Xunit;

namespace Workflow.Tests.Runtime;

public sealed class VersioningTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static WorkflowDefinition<int, string> V1() =>
        WorkflowDefinition.Create<int>("expense", version: 1)
            .Then("submit", x => x)
            .WaitForApproval("approve", x => new Claim(x))
            .Then("pay", d => $"v1 paid ({d.By})")
            .Build();

    private static WorkflowDefinition<int, string> V2Appended() =>
        WorkflowDefinition.Create<int>("expense", version: 2)
            .Then("submit", x => x)
            .WaitForApproval("approve", x => new Claim(x))
            .Then("pay", d => $"v2 paid ({d.By})")
            .Then("receipt", s => s + " with receipt")
            .Build();

    private static WorkflowDefinition<int, string> V3Removed() =>
        WorkflowDefinition.Create<int>("expense", version: 3)
            .WaitForApproval("approve", x => new Claim(x))
            .Then("pay", d => $"v3 paid ({d.By})")
            .Build();

    [Fact]
    public async Task NewVersion_Registered_InFlightInstancesKeepTheirVersionAndNewStartsUseTheNewest()
    {
        var clock = new FakeTimeProvider(TestHost.Epoch);
        var store = new InMemoryWorkflowStore(clock);
        var node1 = await TestHost.StartAsync(b => b.AddWorkflow(V1()).UseInMemoryStore(store), clock: clock, cancellationToken: Token);
        await node1.Client.StartAsync(V1(), 5, new StartWorkflowOptions { InstanceId = "old" }, Token);
        await Poll.UntilAsync(async () => (await node1.Client.GetPendingApprovalsAsync("old", Token)).Count == 1 && !store.HasWorkInFlight(), "v1 waits", cancellationToken: Token);
        await node1.StopAsync(Token);
        await node1.DisposeAsync();

        await using var node2 = await TestHost.StartAsync(b => b.AddWorkflow(V1()).AddWorkflow(V2Appended()), clock: clock, services: s => s.AddSingleton<Workflow.Storage.IWorkflowStore>(store), cancellationToken: Token);
        var fresh = await node2.Client.StartAsync("expense", null, System.Text.Json.JsonSerializer.SerializeToElement(7), new StartWorkflowOptions { InstanceId = "new" }, Token);
        await Poll.UntilAsync(async () => (await node2.Client.GetPendingApprovalsAsync("new", Token)).Count == 1, "v2 waits", cancellationToken: Token);
        await node2.Client.AnswerApprovalAsync("old", "approve", true, "ann", cancellationToken: Token);
        await node2.Client.AnswerApprovalAsync("new", "approve", true, "bob", cancellationToken: Token);

        Assert.Equal("v1 paid (ann)", await node2.Client.GetResultAsync<string>("old", Token).OrHang());
        Assert.Equal("v2 paid (bob) with receipt", await fresh.GetResultAsync<string>(Token).OrHang());
        Assert.Equal(1, (await node2.Client.GetInstanceAsync("old", Token)).WorkflowVersion);
        Assert.Equal(2, (await node2.Client.GetInstanceAsync("new", Token)).WorkflowVersion);
    }

    [Fact]
    public void Compatibility_AppendedStepIsAccepted_RemovedStepIsRejected()
    {
        var appended = WorkflowCompatibility.Check(V1(), V2Appended());
        var removed = WorkflowCompatibility.Check(V1(), V3Removed());

        Assert.True(appended.IsFullyCompatible);
        Assert.Equal(["submit", "approve", "pay"], appended.Steps.Select(s => s.Name));
        Assert.False(removed.IsFullyCompatible);
        Assert.All(removed.Steps, s => Assert.False(s.IsCompatible));
        Assert.Contains("'submit' is removed or renamed in version 3", removed.Steps[0].Reason, StringComparison.Ordinal);
        Assert.False(removed.CanMigrate(["submit"]));
        Assert.True(appended.CanMigrate(["submit", "pay"]));
    }

    [Fact]
    public async Task Migrate_CompatibleInstanceMovesAndRunsTheNewVersion_IncompatibleOneStays()
    {
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(V1()).AddWorkflow(V2Appended()).AddWorkflow(V3Removed()), cancellationToken: Token);
        var first = await env.Client.StartAsync(V1(), 1, new StartWorkflowOptions { InstanceId = "m-1" }, Token);
        var second = await env.Client.StartAsync(V1(), 2, new StartWorkflowOptions { InstanceId = "m-2" }, Token);
        await env.WaitUntilIdleAsync(Token);

        var toV3 = await env.Client.MigrateAsync("m-2", 3, Token);
        var all = await env.Client.MigrateAllAsync("expense", fromVersion: 1, toVersion: 2, Token);
        await first.AnswerApprovalAsync("approve", true, "x", cancellationToken: Token);
        await second.AnswerApprovalAsync("approve", true, "y", cancellationToken: Token);

        Assert.False(toV3);
        Assert.Equal(["m-1", "m-2"], all.Migrated.Order());
        Assert.Empty(all.Incompatible);
        Assert.Equal("v2 paid (x) with receipt", await first.GetResultAsync(Token).OrHang());
        Assert.Single((await first.GetHistoryAsync(Token)).OfType<WorkflowMigratedEvent>());
        Assert.Equal(2, (await first.GetInfoAsync(Token)).WorkflowVersion);
    }

    [Fact]
    public async Task TestEnvironment_ThreeDayApprovalTimeout_ReachesTheTimeoutArmByAdvancingTheClock()
    {
        var definition = WorkflowDefinition.Create<int>("three-day-approval")
            .WaitForApproval("manager", x => new Claim(x), timeout: TimeSpan.FromDays(3),
                onTimeout: late => late.Then("auto-reject", (x, context, ct) =>
                    Task.FromResult(new ApprovalDecision(context.StepPath, false, "timeout", null, context.TimeProvider.GetUtcNow()))))
            .Then("outcome", d => $"{d.Approved}:{d.By}")
            .Build();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(definition), cancellationToken: Token);
        var handle = await env.Client.StartAsync(definition, 100, cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromDays(3), Token);

        Assert.Equal("False:timeout", await handle.GetResultAsync(Token).OrHang());
    }

    public sealed record Claim(int Amount);
}

using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.Testing;
using Workflow.TestUtilities;

namespace Workflow.IntegrationTests.Snippets;

public sealed class LongRunningSnippetTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RefundApproval_ReadmeExample_RunsThroughApprovalEventAndTimer()
    {
        var refund = LongRunningSnippets.RefundApproval();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(refund), cancellationToken: Token);

        var result = await LongRunningSnippets.DriveAsync(env, refund).OrHang();

        Assert.Equal("refunded after return (DHL)", result);
        var history = await env.Client.GetHistoryAsync("refund-order-17", Token);
        Assert.Single(history.OfType<ApprovalAnsweredEvent>());
        Assert.Single(history.OfType<TimerFiredEvent>());
    }

    [Fact]
    public async Task Replay_ReadmeExample_AcceptsAHistoryOfTheSameDefinition()
    {
        var refund = LongRunningSnippets.RefundApproval();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(refund), cancellationToken: Token);
        await LongRunningSnippets.DriveAsync(env, refund).OrHang();
        var file = Path.Combine(Path.GetTempPath(), $"refund-{Guid.NewGuid():N}.json");
        try
        {
            await using (var stream = File.Create(file))
            {
                await WorkflowHistoryFile.SaveAsync(env.Services.GetRequiredService<Workflow.Storage.IWorkflowStore>(), "refund-order-17", stream, Token);
            }

            Assert.True(await LongRunningSnippets.CheckHistoryAsync(file, refund));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Billing_ReadmeExample_RunsThirtyMonthsWithAJournalOfAtMostAYear()
    {
        var billing = LongRunningSnippets.Billing();
        await using var env = await WorkflowTestEnvironment.StartAsync(b => b.AddWorkflow(billing), cancellationToken: Token);
        var instance = await env.Client.StartAsync(billing, new Subscription("ada", Months: 30), cancellationToken: Token);

        await env.AdvanceTimeAsync(TimeSpan.FromDays(30 * 30), Token);

        Assert.Equal(30, (await instance.GetResultAsync(Token).OrHang()).Charged);
        var history = await instance.GetHistoryAsync(Token);
        Assert.Equal(2, Assert.IsType<WorkflowContinuedAsNewEvent>(history[0]).Generation);
        Assert.InRange(history.OfType<StepCompletedEvent>().Count(), 1, 12);
    }
}

using Microsoft.Extensions.DependencyInjection;
using Workflow.Client;
using Workflow.TestUtilities;

namespace Workflow.IntegrationTests.Snippets;

public sealed class ControlFlowSnippetTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SupportTicket_ReadmeExample_RunsThroughEveryConstruct()
    {
        var support = ControlFlowSnippets.SupportTicket();
        await using var host = await TestHost.StartAsync(b => b.AddWorkflow(support), cancellationToken: Token);

        var handle = await host.Client.StartAsync(support, new Ticket("t-1", "I want a refund", ["A1", "B2"]), cancellationToken: Token);
        var resolution = await handle.GetResultAsync(Token).OrHang();

        Assert.Equal("t-1", resolution.TicketId);
        Assert.Equal("order A1: shipped; order B2: shipped; draft 1", resolution.Answer);
        var paths = (await handle.GetHistoryAsync(Token)).OfType<StepCompletedEvent>().Select(e => e.StepPath).ToList();
        Assert.Equal(["classify", "route/refund-policy", "lookups[0]/lookup-order", "lookups[1]/lookup-order", "draft[0]/write-draft", "resolve"], paths);
    }
}

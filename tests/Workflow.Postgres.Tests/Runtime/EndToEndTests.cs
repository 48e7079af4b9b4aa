using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Runtime;

public sealed class EndToEndTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_ThreeStepWorkflowOnAPostgresHost_RunsToCompletionWithItsJournalInTheDatabase()
    {
        var definition = WorkflowDefinition.Create<int>("pg-order")
            .Then("reserve", x => x + 1)
            .Then("charge", async (x, context, ct) =>
            {
                await Task.Yield();
                return x * 10;
            })
            .Then("ship", x => x + 5)
            .Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services
            .AddWorkflows(o => o.PollInterval = TimeSpan.FromMilliseconds(50))
            .AddWorkflow(definition)
            .UsePostgres(fixture.Database.ConnectionString, o => o.Schema = fixture.Schema);
        using var host = builder.Build();
        await host.StartAsync(Token);
        int result;
        IReadOnlyList<WorkflowHistoryEvent> history;
        WorkflowInstanceInfo info;
        try
        {
            var client = host.Services.GetRequiredService<IWorkflowClient>();
            Assert.IsType<PostgresWorkflowStore>(host.Services.GetRequiredService<IWorkflowStore>());

            var handle = await client.StartAsync(definition, 1, new StartWorkflowOptions { InstanceId = "order-" + Guid.NewGuid() }, Token);
            result = await handle.GetResultAsync(Token).WaitAsync(StoreClock.Cap, Token);
            history = await client.GetHistoryAsync(handle.InstanceId, Token);
            info = await client.GetInstanceAsync(handle.InstanceId, Token);
        }
        finally
        {
            await host.StopAsync(Token);
        }

        // What the host wrote is in PostgreSQL: a store of its own, on a connection of its own, reads the same journal.
        var fresh = fixture.CreateStore();
        var stored = await fresh.ReadStreamAsync(info.InstanceId, 1, ReadDirection.Forward, 100, Token);
        Assert.Equal(25, result);
        Assert.Equal(["reserve", "charge", "ship"], history.OfType<StepCompletedEvent>().Select(e => e.StepPath));
        Assert.Single(history.OfType<WorkflowCompletedEvent>());
        Assert.Equal(WorkflowStatus.Completed, info.Status);
        Assert.NotNull(info.CompletedAt);
        Assert.Equal(history.Count, stored.Count);
        Assert.Equal(Enumerable.Range(1, stored.Count).Select(v => (long)v), stored.Select(e => e.Version));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".work_items WHERE instance_id = $1", info.InstanceId));
    }

    [Fact]
    public async Task Loop_ContinuingAsNewOnPostgres_KeepsTheStoredJournalBoundedAndFinishes()
    {
        const int Iterations = 500;
        const int Every = 25;
        var definition = WorkflowDefinition.Create<int>("pg-counter")
            .Loop("count", body => body.Then("increment", x => x + 1), until: x => x >= Iterations, maxIterations: Iterations, continueAsNewEvery: Every)
            .Build();
        using var host = await StartHostAsync(definition);
        try
        {
            var client = host.Services.GetRequiredService<IWorkflowClient>();
            var handle = await client.StartAsync(definition, 0, new StartWorkflowOptions { InstanceId = "counter-" + Guid.NewGuid() }, Token);

            var result = await handle.GetResultAsync(Token).WaitAsync(StoreClock.Cap, Token);
            var history = await client.GetHistoryAsync(handle.InstanceId, Token);

            var stored = await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".events WHERE stream_id = $1", handle.InstanceId);
            var first = Assert.IsType<WorkflowContinuedAsNewEvent>(history[0]);
            Assert.Equal(Iterations, result);
            Assert.Equal(history.Count, stored);
            Assert.InRange(stored, 1, 1 + (Every * 2) + 1);
            Assert.Equal((Iterations / Every) - 1, first.Generation);
            Assert.Equal(WorkflowStatus.Completed, (await client.GetInstanceAsync(handle.InstanceId, Token)).Status);
        }
        finally
        {
            await host.StopAsync(Token);
        }
    }

    [Fact]
    public async Task QueryPendingApprovals_OnPostgres_ListsAcrossInstancesUntilAnsweredOrCanceled()
    {
        var name = "pg-expense-" + Guid.NewGuid().ToString("N")[..8];
        var definition = WorkflowDefinition.Create<string>(name)
            .WaitForApproval("ok", vendor => new ExpenseRequest(vendor))
            .Then("decided", d => d.Approved)
            .Build();
        using var host = await StartHostAsync(definition);
        try
        {
            var client = host.Services.GetRequiredService<IWorkflowClient>();
            var ids = new List<string>();
            foreach (var vendor in new[] { "acme", "globex", "initech" })
            {
                ids.Add((await client.StartAsync(definition, vendor, new StartWorkflowOptions { InstanceId = $"{name}-{vendor}" }, Token)).InstanceId);
            }

            var query = new PendingApprovalQuery { WorkflowName = name, PageSize = 2 };
            await Poll.UntilAsync(
                async () => (await client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token)).Approvals.Count == 3,
                "the three instances wait for their approvals",
                cancellationToken: Token);
            var all = await client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token);
            var firstPage = await client.QueryPendingApprovalsAsync(query, Token);
            var secondPage = await client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name, PageSize = 2, ContinuationToken = firstPage.ContinuationToken }, Token);
            await client.AnswerApprovalAsync(ids[0], "ok", approved: true, by: "ann", cancellationToken: Token);
            await client.CancelAsync(ids[2], cancellationToken: Token);
            await client.WaitForCompletionAsync(ids[0], Token).WaitAsync(StoreClock.Cap, Token);
            await client.WaitForCompletionAsync(ids[2], Token).WaitAsync(StoreClock.Cap, Token);
            var left = await client.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token);

            Assert.Equal(ids.Order(StringComparer.Ordinal), all.Approvals.Select(a => a.InstanceId).Order(StringComparer.Ordinal));
            Assert.Equal(all.Approvals.Select(a => a.InstanceId), firstPage.Approvals.Concat(secondPage.Approvals).Select(a => a.InstanceId));
            Assert.Null(secondPage.ContinuationToken);
            Assert.Equal("globex", all.Approvals.Single(a => a.InstanceId == ids[1]).Request.GetProperty("vendor").GetString());
            Assert.Equal([ids[1]], left.Approvals.Select(a => a.InstanceId));
        }
        finally
        {
            await host.StopAsync(Token);
        }
    }

    private async Task<IHost> StartHostAsync(WorkflowDefinition definition)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services
            .AddWorkflows(o => o.PollInterval = TimeSpan.FromMilliseconds(50))
            .AddWorkflow(definition)
            .UsePostgres(fixture.Database.ConnectionString, o => o.Schema = fixture.Schema);
        var host = builder.Build();
        await host.StartAsync(Token);
        return host;
    }

    public sealed record ExpenseRequest(string Vendor);
}

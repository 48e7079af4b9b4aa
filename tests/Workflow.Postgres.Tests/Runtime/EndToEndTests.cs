using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

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
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workflow.Client;
using Workflow.Definitions;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Storage;

/// <summary>Dispatchers on other nodes learn of runnable work through NOTIFY, not only by polling.</summary>
public sealed class WorkSignalTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WaitForWork_WorkScheduledThroughAnotherStore_IsWokenByNotify()
    {
        var waiter = fixture.CreateStore();
        var writer = fixture.CreateStore();

        // The first wait starts the listener and ends when it connects (work may have been missed before).
        await waiter.WaitForWorkAsync(Token).WaitAsync(StoreClock.Cap, Token);
        await waiter.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        var waiting = waiter.WaitForWorkAsync(Token);
        var id = "signal-" + Guid.NewGuid().ToString("N");

        await writer.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray())],
            Schedule = [new ScheduledWork(id)],
        }, Token);

        await waiting.WaitAsync(StoreClock.Cap, Token);
        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.True(waiter.Notifications.Received > 0);
    }

    [Fact]
    public async Task WaitForWork_SignalWhileNobodyWaits_EndsTheNextWaitAtOnceAndOnlyThatOne()
    {
        var store = fixture.CreateStore();
        await store.WaitForWorkAsync(Token).WaitAsync(StoreClock.Cap, Token);
        await store.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        var id = "kept-" + Guid.NewGuid().ToString("N");

        // The dispatcher is busy claiming, not waiting, when its own commit (or a notification) signals work.
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray())],
            Schedule = [new ScheduledWork(id)],
        }, Token);
        var next = store.WaitForWorkAsync(Token);
        var after = store.WaitForWorkAsync(Token);

        Assert.True(next.IsCompletedSuccessfully, "the kept signal ends the next wait at once");
        Assert.False(after.IsCompleted, "the kept signal ends one wait only");
    }

    [Fact]
    public async Task FrontEndStart_WorkerThatNeverPolls_RunsTheInstanceWokenByNotify()
    {
        var definition = WorkflowDefinition.Create<int>("pg-handed-over").Then("double", x => x * 2).Build();
        using var worker = await StartHostAsync(definition, runWorker: true);
        using var frontEnd = await StartHostAsync(definition, runWorker: false);
        try
        {
            var client = frontEnd.Services.GetRequiredService<IWorkflowClient>();

            var handle = await client.StartAsync(definition, 21, new StartWorkflowOptions { InstanceId = "handed-" + Guid.NewGuid() }, Token);

            Assert.Equal(42, await handle.GetResultAsync(Token).WaitAsync(StoreClock.Cap, Token));
        }
        finally
        {
            await frontEnd.StopAsync(Token);
            await worker.StopAsync(Token);
        }
    }

    private async Task<IHost> StartHostAsync(WorkflowDefinition definition, bool runWorker)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services
            .AddWorkflows(o =>
            {
                o.RunWorker = runWorker;

                // Polling so rare that only a notification can bring the work to the worker within the test's cap.
                o.PollInterval = TimeSpan.FromMinutes(10);
            })
            .AddWorkflow(definition)
            .UsePostgres(fixture.Database.ConnectionString, o => o.Schema = fixture.Schema);
        var host = builder.Build();
        await host.StartAsync(Token);
        return host;
    }
}

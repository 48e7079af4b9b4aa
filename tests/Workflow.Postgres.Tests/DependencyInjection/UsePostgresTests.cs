using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.Storage.InMemory;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.DependencyInjection;

public sealed class UsePostgresTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UsePostgres_ConnectionString_ReplacesTheInMemoryStoreWithTheConfiguredOne()
    {
        var services = new ServiceCollection();

        services.AddWorkflows().UseInMemoryStore().UsePostgres("Host=127.0.0.1;Port=1", o => o.Schema = "billing_workflows");
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IWorkflowStore>();

        var postgres = Assert.IsType<PostgresWorkflowStore>(store);
        Assert.Same(postgres, provider.GetRequiredService<PostgresWorkflowStore>());
        Assert.Equal("billing_workflows", postgres.Schema);
        Assert.Single(services, d => d.ServiceType == typeof(IWorkflowStore));
    }

    [Fact]
    public async Task UseInMemoryStore_AfterUsePostgres_WinsAsTheLastChoice()
    {
        var services = new ServiceCollection();

        services.AddWorkflows().UsePostgres("Host=127.0.0.1;Port=1").UseInMemoryStore();
        await using var provider = services.BuildServiceProvider();

        Assert.IsType<InMemoryWorkflowStore>(provider.GetRequiredService<IWorkflowStore>());
    }

    [Fact]
    public async Task UsePostgres_DataSource_StoresThroughItAndLeavesItOpenWhenTheContainerIsDisposed()
    {
        var dataSource = fixture.CreateDataSource("di-" + Guid.NewGuid().ToString("N")[..8]);
        var services = new ServiceCollection();
        services.AddWorkflows().UsePostgres(dataSource, o => o.Schema = fixture.Schema);
        var id = "di-" + Guid.NewGuid();

        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<IWorkflowStore>();
            await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = [new EventData(Guid.NewGuid(), "t.v1", "{}"u8.ToArray())] }, Token);
        }

        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM \"{fixture.Schema}\".events WHERE stream_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        Assert.Equal(1L, await command.ExecuteScalarAsync(Token));
    }

    [Fact]
    public async Task UsePostgres_ContainerDisposedSynchronouslyAfterAWatch_StopsTheStoreWithoutThrowing()
    {
        var services = new ServiceCollection();
        services.AddWorkflows().UsePostgres(fixture.Database.ConnectionString, o => o.Schema = fixture.Schema);
        var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<PostgresWorkflowStore>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchStreamAsync("sync-dispose", 1, stop.Token))
            {
            }
        }, Token);
        await store.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);

        DisposeLikeAConsoleApp(provider);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => watch);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.GetInstanceAsync("x", Token));
    }

    [Fact]
    public async Task UsePostgres_LoggerFactoryAndTimeProviderInTheContainer_AreTheOnesTheStoreUses()
    {
        var logs = new CapturingLoggerProvider();
        var clock = new FakeTimeProvider(StoreClock.Now);
        var schema = fixture.NewSchemaName("di_clock");
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(clock);

        // Without notifications, a watch only sees another store's append when it polls: on the container's clock.
        services.AddWorkflows().UsePostgres(fixture.Database.ConnectionString, o =>
        {
            o.Schema = schema;
            o.UseNotifications = false;
            o.WatchPollInterval = TimeSpan.FromMinutes(10);
        });
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IWorkflowStore>();
        var writer = fixture.CreateStore(schema);
        var id = "di-clock-" + Guid.NewGuid();
        await store.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.NoStream, Events = [Event()] }, Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = 0;
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchStreamAsync(id, 1, stop.Token))
            {
                Interlocked.Increment(ref seen);
            }
        }, Token);
        await Poll.UntilAsync(() => Volatile.Read(ref seen) == 1, "the watch reads the first event", cancellationToken: Token);

        await writer.CommitAsync(new WorkflowCommit { InstanceId = id, ExpectedVersion = ExpectedVersion.Exactly(1), Events = [Event()] }, Token);
        await Poll.UntilAsync(() => Volatile.Read(ref seen) == 2, "the watch polls on the container's clock", () => clock.Advance(TimeSpan.FromMinutes(10)), Token);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        Assert.Contains(logs.Entries, e => e.Category == "Workflow.Postgres" && e.EventId.Id == 2000);
    }

    [Fact]
    public async Task UsePostgres_HostileSchemaName_FailsWhenTheHostStartsAndSaysWhy()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddWorkflows().UsePostgres("Host=127.0.0.1;Port=1", o => o.Schema = "x; DROP TABLE y");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Schema", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a plain identifier", error.Message, StringComparison.Ordinal);
    }

    // What "using var provider = services.BuildServiceProvider()" does in synchronous code.
    private static void DisposeLikeAConsoleApp(ServiceProvider provider) => provider.Dispose();

    private static EventData Event() => new(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray());
}

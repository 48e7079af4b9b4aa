using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.Operations;

public sealed class OperationsHostingTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthCheck_CurrentSchemaAndNoBacklog_IsHealthyWithItsFigures()
    {
        var schema = fixture.NewSchemaName("health");
        await using var provider = BuildProvider(schema);

        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token);

        var entry = report.Entries["workflow-postgres"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(schema, entry.Data["schema"]);
        Assert.Equal(0L, entry.Data["deadWorkItems"]);
        Assert.True((int)entry.Data["schemaVersion"] >= 2);
    }

    [Fact]
    public async Task HealthCheck_DeadWork_IsDegradedAndSaysHowToFindIt()
    {
        var schema = fixture.NewSchemaName("health_dead");
        await using var provider = BuildProvider(schema, o => o.MaxExpiredLeases = 1);
        var store = provider.GetRequiredService<PostgresWorkflowStore>();
        var id = "dead-" + Guid.NewGuid();
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "test.started.v1", "{}"u8.ToArray())],
            Schedule = [new ScheduledWork(id)],
        }, Token);
        Assert.Single(await store.ClaimAsync("node-1", 1, TimeSpan.FromMilliseconds(1), Token));
        await StoreClock.EventuallyAsync(
            async () => (await store.ClaimAsync("node-2", 1, TimeSpan.FromMilliseconds(1), Token)).Count == 0 && (await store.GetDeadWorkItemsAsync(cancellationToken: Token)).Count == 1,
            TimeSpan.FromMilliseconds(5), "the item is parked", Token);

        var entry = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token)).Entries["workflow-postgres"];

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(1L, entry.Data["deadWorkItems"]);
        Assert.Contains("GetDeadWorkItemsAsync", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_DatabaseUnreachable_IsUnhealthyNamingTheServer()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWorkflows().UsePostgres("Host=127.0.0.1;Port=1;Timeout=2", o => o.MaxRetryAttempts = 0);
        services.AddHealthChecks().AddWorkflowPostgresCheck();
        await using var provider = services.BuildServiceProvider();

        var entry = (await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token)).Entries["workflow-postgres"];

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("127.0.0.1:1", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_InAHost_PurgesInstancesEndedLongerAgoThanTheRetentionAndKeepsTheRest()
    {
        var schema = fixture.NewSchemaName("retention");
        var seed = fixture.CreateStore(schema);
        var now = StoreClock.Now;
        var old = await EndedAsync(seed, now - TimeSpan.FromDays(40));
        var young = await EndedAsync(seed, now - TimeSpan.FromDays(1));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddWorkflows(o => o.RunWorker = false)
            .UsePostgres(fixture.Database.ConnectionString, o => o.Schema = schema)
            .AddPostgresRetention(o => o.Retention = TimeSpan.FromDays(30));
        using var host = builder.Build();
        await host.StartAsync(Token);
        try
        {
            await StoreClock.EventuallyAsync(
                async () => await seed.GetInstanceAsync(old, Token) is null, TimeSpan.FromMilliseconds(20), "the old instance is purged", Token);
            Assert.NotNull(await seed.GetInstanceAsync(young, Token));
        }
        finally
        {
            await host.StopAsync(Token);
        }
    }

    [Theory]
    [InlineData(0, 3600)]
    [InlineData(86400, 0)]
    [InlineData(86400, 100_000)]
    public async Task Retention_InvalidOptions_FailTheHostStartWithTheProblem(int retentionSeconds, int intervalSeconds)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddWorkflows(o => o.RunWorker = false)
            .UsePostgres("Host=127.0.0.1;Port=1")
            .AddPostgresRetention(o =>
            {
                o.Retention = TimeSpan.FromSeconds(retentionSeconds);
                o.Interval = TimeSpan.FromSeconds(intervalSeconds);
            });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("retention options are invalid", error.Message, StringComparison.Ordinal);
    }

    private ServiceProvider BuildProvider(string schema, Action<PostgresWorkflowStoreOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWorkflows().UsePostgres(fixture.Database.ConnectionString, o =>
        {
            o.Schema = schema;
            configure?.Invoke(o);
        });
        services.AddHealthChecks().AddWorkflowPostgresCheck();
        return services.BuildServiceProvider();
    }

    private static async Task<string> EndedAsync(PostgresWorkflowStore store, DateTimeOffset endedAt)
    {
        var id = "retained-" + Guid.NewGuid();
        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.NoStream,
            Events = [new EventData(Guid.NewGuid(), "test.done.v1", "{}"u8.ToArray())],
            Instance = new WorkflowInstanceInfo
            {
                InstanceId = id,
                WorkflowName = "retained",
                WorkflowVersion = 1,
                Status = WorkflowStatus.Completed,
                CreatedAt = endedAt,
                UpdatedAt = endedAt,
                CompletedAt = endedAt,
            },
        }, Token);
        return id;
    }
}

using System.Net;
using System.Net.Sockets;
using Workflow.Exceptions;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Storage;

public sealed class UnavailableTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryOperation_NothingListensOnThePort_ThrowsStoreUnavailableNamingHostAndPort()
    {
        var port = FreePort();
        await using var store = new PostgresWorkflowStore($"Host=127.0.0.1;Port={port};Username=nobody;Database=nowhere;Timeout=2");
        var lease = new WorkLease(1, "x", "node", 1, StoreClock.Now);
        var operations = new Func<Task>[]
        {
            async () => await store.CommitAsync(new WorkflowCommit { InstanceId = "x", Events = [new EventData(Guid.NewGuid(), "t.v1", "{}"u8.ToArray())] }, Token),
            async () => await store.CommitManyAsync([new WorkflowCommit { InstanceId = "x" }], Token),
            async () => await store.ReadStreamAsync("x", 1, ReadDirection.Forward, 10, Token),
            async () => await store.ClaimAsync("node", 10, TimeSpan.FromSeconds(30), Token),
            async () => await store.RenewAsync([lease], TimeSpan.FromSeconds(30), Token),
            async () => await store.ReleaseAsync(lease, cancellationToken: Token),
            async () => await store.GetInstanceAsync("x", Token),
            async () => await store.QueryInstancesAsync(new WorkflowInstanceQuery(), Token),
            async () => await store.MigrateAsync(Token),
        };

        foreach (var operation in operations)
        {
            var error = await Assert.ThrowsAsync<WorkflowStoreUnavailableException>(operation);

            Assert.Equal($"127.0.0.1:{port}", error.Endpoint);
            Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
            Assert.Contains("Check that PostgreSQL runs", error.Message, StringComparison.Ordinal);
            Assert.IsAssignableFrom<Npgsql.NpgsqlException>(error.InnerException);
        }
    }

    [Fact]
    public async Task Commit_PooledConnectionsKilled_IsRetriedOnAFreshConnection()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TestLogging.Factory(logs);
        var application = "killed-" + Guid.NewGuid().ToString("N")[..12];
        var store = fixture.CreateStore(dataSource: fixture.CreateDataSource(application), loggerFactory: loggerFactory);
        var id = "killed-" + Guid.NewGuid();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream), Token);

        Assert.True(await fixture.TerminateBackendsAsync(application) >= 1);
        var result = await store.CommitAsync(Append(id, ExpectedVersion.Exactly(1)), Token);

        Assert.Equal(CommitStatus.Committed, result.Status);
        Assert.Equal(2, (await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token)).Count);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2002);
    }

    [Fact]
    public async Task Commit_ConnectionLostAfterTheServerCommitted_RetryReportsAlreadyCommittedAndWritesOnce()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TestLogging.Factory(logs);
        await using var proxy = CuttingProxy.Start(fixture.Database.ConnectionString);
        // No notifications: their pg_notify is another answer with rows, which the proxy could cut instead.
        var store = new PostgresWorkflowStore(
            proxy.ConnectionString(fixture.Database.ConnectionString), new PostgresWorkflowStoreOptions { Schema = fixture.Schema, UseNotifications = false }, loggerFactory);
        fixture.Own(store);
        var id = "ambiguous-" + Guid.NewGuid();
        await store.CommitAsync(Append(id, ExpectedVersion.NoStream), Token);
        var commit = new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = [Event(), Event()],
            Schedule = [new ScheduledWork(id, claimFor: new LeaseRequest("node", TimeSpan.FromMinutes(1)))],
        };

        proxy.ArmCut();
        var result = await store.CommitAsync(commit, Token);

        Assert.True(proxy.Cut.IsCompleted, "the first answer was lost");
        Assert.Equal(CommitStatus.AlreadyCommitted, result.Status);
        Assert.Equal(3, result.StreamVersion);
        Assert.Equal(3, (await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token)).Count);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2002);
    }

    [Fact]
    public async Task Commit_RetriesTurnedOff_AmbiguousFailureThrowsStoreUnavailable()
    {
        await using var proxy = CuttingProxy.Start(fixture.Database.ConnectionString);
        var store = new PostgresWorkflowStore(
            proxy.ConnectionString(fixture.Database.ConnectionString),
            new PostgresWorkflowStoreOptions { Schema = fixture.Schema, MaxRetryAttempts = 0, UseNotifications = false });
        fixture.Own(store);
        var id = "no-retry-" + Guid.NewGuid();
        await store.MigrateAsync(Token);

        proxy.ArmCut();
        var error = await Assert.ThrowsAsync<WorkflowStoreUnavailableException>(async () => await store.CommitAsync(Append(id, ExpectedVersion.NoStream), Token));
        var retry = await store.CommitAsync(Append(id, ExpectedVersion.NoStream), Token);

        Assert.Contains($"127.0.0.1:{proxy.Port}", error.Message, StringComparison.Ordinal);
        Assert.Equal(CommitStatus.VersionConflict, retry.Status);
        Assert.Single(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static WorkflowCommit Append(string id, ExpectedVersion expected) => new() { InstanceId = id, ExpectedVersion = expected, Events = [Event()] };

    private static EventData Event() => new(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray());
}

using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Workflow.Exceptions;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.TestUtilities;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class AggregateTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_SnapshotEveryThree_StoresSnapshotsAtCrossingsAndLoadStartsFromTheLatest()
    {
        var store = Create(fixture);
        var repository = Repository(store, snapshotEvery: 3);
        var id = NewStream("account");
        var account = await repository.LoadAsync(id, Token);
        for (var i = 1; i <= 7; i++)
        {
            account = await repository.AppendAsync(account, [Deposit(i)], Token);
        }

        var snapshot = await store.LoadSnapshotAsync(id, "account.v1", Token);
        var loaded = await repository.LoadAsync(id, Token);

        Assert.Equal(new Account(7, 28), account.State);
        Assert.Equal(7, account.Version);
        Assert.NotNull(snapshot);
        Assert.Equal(6, snapshot.Version);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"deposits":6,"balance":21}"""), JsonNode.Parse(snapshot.State.Span)));
        Assert.Equal(account.State, loaded.State);
        Assert.Equal(7, loaded.Version);

        // Proof that loading starts at the snapshot: a snapshot that disagrees with the events wins.
        Assert.True(await store.StoreSnapshotAsync(id, "account.v1", 7, """{"deposits":7,"balance":1000}"""u8.ToArray(), Token));
        Assert.Equal(new Account(7, 1000), (await repository.LoadAsync(id, Token)).State);
    }

    [Fact]
    public async Task Append_StaleAggregate_ThrowsConflictAndWritesNothing()
    {
        var store = Create(fixture);
        var repository = Repository(store, snapshotEvery: 0);
        var id = NewStream("stale");
        var stale = await repository.LoadAsync(id, Token);
        await repository.AppendAsync(stale, [Deposit(5)], Token);

        var error = await Assert.ThrowsAsync<WorkflowConcurrencyException>(async () => await repository.AppendAsync(stale, [Deposit(1)], Token));

        Assert.Equal(1, error.ActualVersion);
        Assert.Equal(new Account(1, 5), (await repository.LoadAsync(id, Token)).State);
    }

    [Fact]
    public async Task Load_SnapshotOfAnotherShape_IsIgnoredWithAWarningAndTheEventsAreFolded()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TestLogging.Factory(logs);
        var store = Create(fixture, loggerFactory: loggerFactory);
        var repository = Repository(store, snapshotEvery: 2);
        var id = NewStream("reshaped");
        await store.AppendAsync(id, ExpectedVersion.NoStream, [Deposit(2), Deposit(3)], Token);
        await store.StoreSnapshotAsync(id, "account.v1", 2, """["not","an","account"]"""u8.ToArray(), Token);

        var loaded = await repository.LoadAsync(id, Token);

        Assert.Equal(new Account(2, 5), loaded.State);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2057 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task StoreSnapshot_AheadOfTheStreamOrOlderThanTheStoredOne_IsRefusedOrKeptBack()
    {
        var store = Create(fixture);
        var id = NewStream("snap");
        await store.AppendAsync(id, ExpectedVersion.NoStream, [Deposit(1), Deposit(2), Deposit(3)], Token);

        var ahead = await Assert.ThrowsAsync<ArgumentException>(async () => await store.StoreSnapshotAsync(id, "s.v1", 4, "{}"u8.ToArray(), Token));
        var noStream = await Assert.ThrowsAsync<ArgumentException>(async () => await store.StoreSnapshotAsync(NewStream("none"), "s.v1", 1, "{}"u8.ToArray(), Token));
        var notJson = await Assert.ThrowsAsync<ArgumentException>(async () => await store.StoreSnapshotAsync(id, "s.v1", 1, "{oops"u8.ToArray(), Token));
        var stored = await store.StoreSnapshotAsync(id, "s.v1", 3, """{"at":3}"""u8.ToArray(), Token);
        var older = await store.StoreSnapshotAsync(id, "s.v1", 2, """{"at":2}"""u8.ToArray(), Token);

        Assert.Contains("version 3", ahead.Message, StringComparison.Ordinal);
        Assert.Contains("no events", noStream.Message, StringComparison.Ordinal);
        Assert.Contains("JSON", notJson.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(stored);
        Assert.False(older);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"at":3}"""), JsonNode.Parse((await store.LoadSnapshotAsync(id, "s.v1", Token))!.State.Span)));
        Assert.Null(await store.LoadSnapshotAsync(id, "other.v1", Token));
    }

    [Fact]
    public void Constructor_SnapshotIntervalWithoutType_Throws()
    {
        var store = Create(fixture);

        var error = Assert.Throws<ArgumentException>(() => new AggregateRepository<Account>(store, () => new Account(0, 0), Apply, snapshotType: null, snapshotEvery: 5));

        Assert.Contains("snapshot type", error.Message, StringComparison.Ordinal);
    }

    private static AggregateRepository<Account> Repository(PostgresEventStore store, int snapshotEvery) =>
        new(store, () => new Account(0, 0), Apply, snapshotEvery > 0 ? "account.v1" : null, snapshotEvery);

    private static Account Apply(Account state, StoredEvent e) =>
        e.Type == "deposited.v1" ? new Account(state.Deposits + 1, state.Balance + e.Deserialize<DepositMade>()!.Amount) : state;

    private static EventData Deposit(int amount) => new(Guid.NewGuid(), "deposited.v1", Encoding.UTF8.GetBytes($$"""{"amount":{{amount}}}"""));

    public sealed record Account(int Deposits, int Balance);

    public sealed record DepositMade(int Amount);
}

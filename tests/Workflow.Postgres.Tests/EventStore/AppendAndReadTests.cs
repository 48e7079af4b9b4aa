using System.Text;
using System.Text.Json.Nodes;
using Workflow.Exceptions;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class AppendAndReadTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_NewStreamThenExpectedVersion_ReadsForwardAndBackwardInVersionOrder()
    {
        var store = Create(fixture);
        var id = NewStream("rw");
        var first = await store.AppendAsync(id, ExpectedVersion.NoStream, [Event(json: """{"n":1}"""), Event(json: """{"n":2}""")], Token);
        var second = await store.AppendAsync(id, ExpectedVersion.Exactly(2), [Event(json: """{"n":3}""")], Token);

        var forward = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);
        var backward = await store.ReadStreamAsync(id, long.MaxValue, ReadDirection.Backward, 2, Token);
        var middle = await store.ReadStreamAsync(id, 2, ReadDirection.Forward, 1, Token);

        Assert.Equal(new AppendResult(2, alreadyAppended: false), first);
        Assert.Equal(new AppendResult(3, alreadyAppended: false), second);
        Assert.Equal([1L, 2L, 3L], forward.Select(e => e.Version));
        Assert.Equal([1, 2, 3], forward.Select(e => JsonNode.Parse(e.Data.Span)!["n"]!.GetValue<int>()));
        Assert.All(forward, e => Assert.Equal(id, e.StreamId));
        Assert.Equal([3L, 2L], backward.Select(e => e.Version));
        Assert.Equal(2, Assert.Single(middle).Version);
        Assert.True(forward[0].Position < forward[1].Position && forward[1].Position < forward[2].Position);
        Assert.Empty(await store.ReadStreamAsync(NewStream("missing"), 1, ReadDirection.Forward, 10, Token));
    }

    [Fact]
    public async Task Append_WrongExpectedVersion_ThrowsTypedConflictAndWritesNothing()
    {
        var store = Create(fixture);
        var id = NewStream("conflict");
        await store.AppendAsync(id, ExpectedVersion.NoStream, [Event(), Event()], Token);

        var stale = await Assert.ThrowsAsync<WorkflowConcurrencyException>(async () => await store.AppendAsync(id, ExpectedVersion.Exactly(1), [Event()], Token));
        var exists = await Assert.ThrowsAsync<WorkflowConcurrencyException>(async () => await store.AppendAsync(id, ExpectedVersion.NoStream, [Event()], Token));
        var ahead = await Assert.ThrowsAsync<WorkflowConcurrencyException>(async () => await store.AppendAsync(NewStream("none"), ExpectedVersion.Exactly(3), [Event()], Token));

        Assert.Equal(id, stale.StreamId);
        Assert.Equal(2, stale.ActualVersion);
        Assert.Equal(2, exists.ActualVersion);
        Assert.Equal(0, ahead.ActualVersion);
        Assert.Equal(2, (await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token)).Count);
        Assert.Equal(2L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".events WHERE stream_id = $1", id));
    }

    [Fact]
    public async Task Append_SameEventIdsAgain_ReportsAlreadyAppendedAndWritesNothingTwice()
    {
        var store = Create(fixture);
        var id = NewStream("retry");
        await store.AppendAsync(id, ExpectedVersion.NoStream, [Event()], Token);
        EventData[] batch = [Event(), Event()];

        var first = await store.AppendAsync(id, ExpectedVersion.Exactly(1), batch, Token);
        var retry = await store.AppendAsync(id, ExpectedVersion.Exactly(1), batch, Token);
        var retryAny = await store.AppendAsync(id, ExpectedVersion.Any, batch, Token);

        Assert.False(first.AlreadyAppended);
        Assert.Equal(new AppendResult(3, alreadyAppended: true), retry);
        Assert.True(retryAny.AlreadyAppended);
        var events = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);
        Assert.Equal(3, events.Count);
        Assert.Equal(batch.Select(e => e.EventId), events.Skip(1).Select(e => e.EventId));
    }

    [Fact]
    public async Task Append_ConnectionLostAfterTheServerCommitted_StoreRetryReportsAlreadyAppendedAndWritesOnce()
    {
        await using var proxy = CuttingProxy.Start(fixture.Database.ConnectionString);
        // No notifications: their pg_notify is another answer with rows, which the proxy could cut instead.
        await using var store = new PostgresEventStore(
            proxy.ConnectionString(fixture.Database.ConnectionString), new PostgresEventStoreOptions { Schema = fixture.Schema, UseNotifications = false });
        var id = NewStream("ambiguous");
        await store.AppendAsync(id, ExpectedVersion.NoStream, [Event()], Token);
        EventData[] batch = [Event(), Event()];

        proxy.ArmCut();
        var result = await store.AppendAsync(id, ExpectedVersion.Exactly(1), batch, Token);

        Assert.True(proxy.Cut.IsCompleted, "the first answer was lost");
        Assert.Equal(new AppendResult(3, alreadyAppended: true), result);
        var events = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);
        Assert.Equal(3, events.Count);
        Assert.Equal(batch.Select(e => e.EventId), events.Skip(1).Select(e => e.EventId));
    }

    [Fact]
    public async Task Append_AmbiguousFailureSurfaced_CallerRetryWithSameEventIdsSucceedsAndWritesOnce()
    {
        await using var proxy = CuttingProxy.Start(fixture.Database.ConnectionString);
        await using var store = new PostgresEventStore(
            proxy.ConnectionString(fixture.Database.ConnectionString),
            new PostgresEventStoreOptions { Schema = fixture.Schema, UseNotifications = false, MaxRetryAttempts = 0 });
        var id = NewStream("caller-retry");
        await store.AppendAsync(id, ExpectedVersion.NoStream, [Event()], Token);
        EventData[] batch = [Event(), Event(), Event()];

        proxy.ArmCut();
        var error = await Assert.ThrowsAsync<WorkflowStoreUnavailableException>(async () => await store.AppendAsync(id, ExpectedVersion.Exactly(1), batch, Token));
        var retry = await store.AppendAsync(id, ExpectedVersion.Exactly(1), batch, Token);

        Assert.True(proxy.Cut.IsCompleted);
        Assert.Contains($"127.0.0.1:{proxy.Port}", error.Message, StringComparison.Ordinal);
        Assert.Equal(new AppendResult(4, alreadyAppended: true), retry);
        var events = await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);
        Assert.Equal(batch.Select(e => e.EventId), events.Skip(1).Select(e => e.EventId));
        Assert.Equal(4, events.Select(e => e.EventId).Distinct().Count());
    }

    [Fact]
    public async Task Append_QuotesUnicodeAndOneMegabytePayload_ReadBackAsTheSameJsonValues()
    {
        var store = Create(fixture);
        var id = "str'eam \"quoted\" ; DROP TABLE x; -- ünïcødé 🚀 名前";
        var type = "order.placed'v1 \"ü\" 🚀";
        var big = new StringBuilder(1 << 20);
        while (big.Length < 1 << 20)
        {
            big.Append("payload 'quoted' \"double\" \\ ünïcødé 🚀 名前 ");
        }

        var data = new JsonObject { ["text"] = big.ToString(), ["quote"] = "it's \"fine\"", ["emoji"] = "🚀", ["nested"] = new JsonArray(1, "二", null, true) };
        var metadata = new JsonObject { ["correlation"] = "c'orr \"id\" ✓" };
        var appended = new EventData(Guid.NewGuid(), type, Encoding.UTF8.GetBytes(data.ToJsonString()), Encoding.UTF8.GetBytes(metadata.ToJsonString()));

        await store.AppendAsync(id, ExpectedVersion.NoStream, [appended], Token);
        var read = Assert.Single(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
        IReadOnlyList<StoredEvent> all = [];
        await StoreClock.EventuallyAsync(
            async () => (all = await store.ReadAllAsync(EventStorePosition.Start, 10_000, Token)).Any(e => e.EventId == appended.EventId),
            TimeSpan.FromMilliseconds(10),
            "the event is readable in the global order",
            Token);

        Assert.True(data.ToJsonString().Length > 1 << 20);
        Assert.Equal(id, read.StreamId);
        Assert.Equal(type, read.Type);
        Assert.True(JsonNode.DeepEquals(data, JsonNode.Parse(read.Data.Span)));
        Assert.True(JsonNode.DeepEquals(metadata, JsonNode.Parse(read.Metadata.Span)));
        Assert.Contains(all, e => e.EventId == appended.EventId && e.StreamId == id);
    }

    [Fact]
    public async Task Append_DataThatIsNotJson_ThrowsArgumentExceptionAndWritesNothing()
    {
        var store = Create(fixture);
        var id = NewStream("bad-json");

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.AppendAsync(id, ExpectedVersion.NoStream, [Event(), new EventData(Guid.NewGuid(), "t.v1", "{not json"u8.ToArray())], Token));

        Assert.Contains("JSON", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
    }

    [Fact]
    public async Task Append_SameEventIdTwiceInOneAppend_ThrowsBeforeWriting()
    {
        var store = Create(fixture);
        var id = NewStream("dup");
        var e = Event();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.AppendAsync(id, ExpectedVersion.NoStream, [e, e], Token));

        Assert.Contains(e.EventId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));
    }

    [Fact]
    public async Task Append_StreamIdWithNulOrTooLong_ThrowsBeforeWriting()
    {
        var store = Create(fixture);

        var prefix = NewStream("nul");
        var nul = await Assert.ThrowsAsync<ArgumentException>(async () => await store.AppendAsync(prefix + "\0b", ExpectedVersion.NoStream, [Event()], Token));
        var longId = await Assert.ThrowsAsync<ArgumentException>(async () => await store.AppendAsync(new string('x', 3000), ExpectedVersion.NoStream, [Event()], Token));

        Assert.Equal("streamId", nul.ParamName);
        Assert.Equal("streamId", longId.ParamName);
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{fixture.Schema}\".events WHERE starts_with(stream_id, $1) OR length(stream_id) > 2000", prefix));
    }

    [Fact]
    public async Task EveryOperation_DatabaseDown_ThrowsStoreUnavailableNamingHostAndPort()
    {
        var port = Storage.UnavailableTests.FreePort();
        await using var store = new PostgresEventStore($"Host=127.0.0.1;Port={port};Username=nobody;Database=nowhere;Timeout=2", new PostgresEventStoreOptions { MaxRetryAttempts = 0 });
        var operations = new Func<Task>[]
        {
            async () => await store.AppendAsync("s", ExpectedVersion.Any, [Event()], Token),
            async () => await store.ReadStreamAsync("s", 1, ReadDirection.Forward, 10, Token),
            async () => await store.ReadAllAsync(EventStorePosition.Start, 10, Token),
            async () => await store.StoreSnapshotAsync("s", "t.v1", 1, "{}"u8.ToArray(), Token),
            async () => await store.LoadSnapshotAsync("s", "t.v1", Token),
            async () => await store.SubscribeAsync("sub", (_, _) => default, cancellationToken: Token),
            async () => await store.GetCheckpointAsync("sub", Token),
            async () => await store.ResetSubscriptionAsync("sub", EventStorePosition.Start, Token),
            async () => await store.MigrateAsync(Token),
        };

        foreach (var operation in operations)
        {
            var error = await Assert.ThrowsAsync<WorkflowStoreUnavailableException>(operation);

            Assert.Equal($"127.0.0.1:{port}", error.Endpoint);
            Assert.Contains("PostgreSQL event store", error.Message, StringComparison.Ordinal);
            Assert.IsAssignableFrom<Npgsql.NpgsqlException>(error.InnerException);
        }
    }

    [Fact]
    public async Task Constructor_HostileSchemaName_ThrowsBeforeAnySql()
    {
        foreach (var schema in new[] { "a; DROP TABLE x", "quo\"te", new string('s', 100) })
        {
            var error = Assert.Throws<ArgumentException>(() => new PostgresEventStore("Host=127.0.0.1;Port=1", new PostgresEventStoreOptions { Schema = schema }));
            Assert.Contains("Schema", error.Message, StringComparison.Ordinal);
        }
    }
}

using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class UpcastingTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Read_OldEventType_IsReadAsTheNewestTypeOnEveryPathAndStaysStoredAsWritten()
    {
        var schema = fixture.NewSchemaName("upcast");
        var writer = Create(fixture, schema);
        var reader = Create(fixture, schema, o =>
        {
            o.Upcasters.Add(new EventUpcaster("order.placed.v1", "order.placed.v2", data =>
            {
                data!["currency"] = "EUR";
                return data;
            }));
            o.Upcasters.Add(new EventUpcaster("order.placed.v2", "order.placed.v3", data =>
            {
                data!["total"] = new JsonObject { ["amount"] = data["amount"]!.GetValue<int>(), ["currency"] = data["currency"]!.GetValue<string>() };
                return data;
            }));
        });
        var id = NewStream("order");
        var old = Event("order.placed.v1", """{"amount":42}""");
        var current = Event("order.placed.v3", """{"amount":7,"currency":"USD","total":{"amount":7,"currency":"USD"}}""");
        await writer.AppendAsync(id, ExpectedVersion.NoStream, [old, current], Token);

        var stream = await reader.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token);
        var all = await ReadAllEventuallyAsync(reader, 2);
        var subscribed = new ConcurrentQueue<StoredEvent>();
        await using (var subscription = await reader.SubscribeAsync("upcast", (e, _) => { subscribed.Enqueue(e); return default; }, cancellationToken: Token))
        {
            await SubscriptionTests.EventuallyAsync(() => subscribed.Count == 2, "the subscription read both events");
        }

        var expected = JsonNode.Parse("""{"amount":42,"currency":"EUR","total":{"amount":42,"currency":"EUR"}}""");
        foreach (var read in new[] { stream[0], all[0], subscribed.First() })
        {
            Assert.Equal(old.EventId, read.EventId);
            Assert.Equal("order.placed.v3", read.Type);
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(read.Data.Span)));
        }

        Assert.Equal(current.EventId, stream[1].EventId);
        Assert.Equal("order.placed.v1", (await writer.ReadStreamAsync(id, 1, ReadDirection.Forward, 1, Token))[0].Type);
        Assert.Equal("order.placed.v1", await fixture.ScalarAsync<string>($"SELECT type FROM \"{schema}\".events WHERE event_id = $1", old.EventId));
    }

    [Fact]
    public void Constructor_UpcastersInACycleOrTwoFromOneType_ThrowsNamingThem()
    {
        var cycle = new PostgresEventStoreOptions();
        cycle.Upcasters.Add(new EventUpcaster("a.v1", "a.v2", d => d));
        cycle.Upcasters.Add(new EventUpcaster("a.v2", "a.v1", d => d));
        var twice = new PostgresEventStoreOptions();
        twice.Upcasters.Add(new EventUpcaster("b.v1", "b.v2", d => d));
        twice.Upcasters.Add(new EventUpcaster("b.v1", "b.v3", d => d));

        var cycleError = Assert.Throws<ArgumentException>(() => new PostgresEventStore("Host=127.0.0.1", cycle));
        var twiceError = Assert.Throws<ArgumentException>(() => new PostgresEventStore("Host=127.0.0.1", twice));

        Assert.Contains("cycle", cycleError.Message, StringComparison.Ordinal);
        Assert.Contains("two upcasters from 'b.v1'", twiceError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_UpcasterThrows_ThrowsNamingTheEventAndTheUpcaster()
    {
        var schema = fixture.NewSchemaName("upcast_bad");
        var writer = Create(fixture, schema);
        var reader = Create(fixture, schema, o => o.Upcasters.Add(new EventUpcaster("x.v1", "x.v2", _ => throw new FormatException("bad shape"))));
        var id = NewStream("bad");
        var e = Event("x.v1");
        await writer.AppendAsync(id, ExpectedVersion.NoStream, [e], Token);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.ReadStreamAsync(id, 1, ReadDirection.Forward, 10, Token));

        Assert.Contains(e.EventId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("'x.v1' to 'x.v2'", error.Message, StringComparison.Ordinal);
        Assert.IsType<FormatException>(error.InnerException);
    }
}

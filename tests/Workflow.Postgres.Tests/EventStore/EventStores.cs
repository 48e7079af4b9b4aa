using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;

namespace Workflow.Postgres.Tests.EventStore;

/// <summary>Event stores on a fixture's database, disposed with the fixture, and events to append.</summary>
internal static class EventStores
{
    public static PostgresEventStore Create(
        StoreFixture fixture,
        string? schema = null,
        Action<PostgresEventStoreOptions>? configure = null,
        NpgsqlDataSource? dataSource = null,
        ILoggerFactory? loggerFactory = null)
    {
        var options = new PostgresEventStoreOptions { Schema = schema ?? fixture.Schema };
        configure?.Invoke(options);
        var store = new PostgresEventStore(dataSource ?? fixture.Database.DataSource, options, loggerFactory);
        fixture.Own(store);
        return store;
    }

    public static EventData Event(string type = "test.event.v1", string json = "{}", string? metadata = null) =>
        new(Guid.NewGuid(), type, Encoding.UTF8.GetBytes(json), metadata is null ? default : Encoding.UTF8.GetBytes(metadata));

    public static string NewStream(string tag) => $"{tag}-{Guid.NewGuid():N}";

    public static string Text(ReadOnlyMemory<byte> utf8) => Encoding.UTF8.GetString(utf8.Span);

    /// <summary>Reads the global order from the start until it holds at least <paramref name="count"/> events: a
    /// transaction left open elsewhere in the cluster (another test's) holds every reader back for a while, by design.</summary>
    public static async Task<IReadOnlyList<StoredEvent>> ReadAllEventuallyAsync(PostgresEventStore store, int count, EventStorePosition? after = null)
    {
        IReadOnlyList<StoredEvent> events = [];
        await StoreClock.EventuallyAsync(
            async () => (events = await store.ReadAllAsync(after ?? EventStorePosition.Start, 10_000, TestContext.Current.CancellationToken)).Count >= count,
            TimeSpan.FromMilliseconds(10),
            $"{count} events are readable in the global order",
            TestContext.Current.CancellationToken);
        return events;
    }
}

using Npgsql;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

/// <summary>The global order never passes a transaction still in flight: an event it commits late is delivered after
/// the events other transactions committed meanwhile, and a rolled-back one leaves no hole to wait on.</summary>
public sealed class GlobalOrderTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAll_EventsOfManyStreams_ComeInOneOrderEveryReaderShares()
    {
        var schema = fixture.NewSchemaName("order");
        var store = Create(fixture, schema);
        var other = Create(fixture, schema);
        var appended = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var batch = new[] { Event(), Event() };
            await store.AppendAsync(NewStream("s" + i), ExpectedVersion.NoStream, batch, Token);
            appended.AddRange(batch.Select(e => e.EventId));
        }

        var all = await ReadAllEventuallyAsync(store, appended.Count);
        var paged = new List<StoredEvent>();
        var after = EventStorePosition.Start;
        while (await other.ReadAllAsync(after, 3, Token) is { Count: > 0 } page)
        {
            paged.AddRange(page);
            after = EventStorePosition.Parse(page[^1].Position.ToString());
        }

        Assert.Equal(appended, all.Select(e => e.EventId));
        Assert.Equal(appended, paged.Select(e => e.EventId));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Position < p.Second.Position));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadAll_TransactionInFlightWhileLaterAppendsCommit_NeverPassesIt(bool commit)
    {
        var schema = fixture.NewSchemaName("gap");
        var store = Create(fixture, schema);
        var before = Event();
        await store.AppendAsync(NewStream("before"), ExpectedVersion.NoStream, [before], Token);
        var start = Assert.Single(await PollAsync(store, EventStorePosition.Start, 1)).Position;

        // An append that has drawn its transaction id and position but not committed (as a slow writer would hold it).
        await using var slow = await fixture.Database.DataSource.OpenConnectionAsync(Token);
        await using var transaction = await slow.BeginTransactionAsync(Token);
        var lateId = Guid.NewGuid();
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO \"{schema}\".events (stream_id, version, event_id, type, data) VALUES ('late', 1, $1, 'test.late.v1', '{{}}')", slow, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = lateId });
            await insert.ExecuteNonQueryAsync(Token);
        }

        // Later transactions commit after it.
        var later = new[] { Event(), Event() };
        await store.AppendAsync(NewStream("later"), ExpectedVersion.NoStream, [later[0]], Token);
        await store.AppendAsync(NewStream("later"), ExpectedVersion.NoStream, [later[1]], Token);
        var committedLater = await fixture.ScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".events WHERE event_id = ANY($1)", later.Select(e => e.EventId).ToArray());

        var whileInFlight = await store.ReadAllAsync(start, 100, Token);

        Assert.Equal(2, committedLater);
        Assert.Empty(whileInFlight);

        if (commit)
        {
            await transaction.CommitAsync(Token);
        }
        else
        {
            await transaction.RollbackAsync(Token);
        }

        var expected = commit ? [lateId, .. later.Select(e => e.EventId)] : later.Select(e => e.EventId).ToArray();
        var afterwards = await PollAsync(store, start, expected.Length);
        Assert.Equal(expected, afterwards.Select(e => e.EventId));
    }

    private static Task<IReadOnlyList<StoredEvent>> PollAsync(PostgresEventStore store, EventStorePosition after, int count) =>
        ReadAllEventuallyAsync(store, count, after);
}

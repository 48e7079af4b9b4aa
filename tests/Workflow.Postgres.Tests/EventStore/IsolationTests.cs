using System.Collections.Concurrent;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class EventStoreIsolationTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_SameStreamOnTwoSchemas_SharesNoEventSnapshotOrSubscription()
    {
        var (schemaA, schemaB) = (fixture.NewSchemaName("es_a"), fixture.NewSchemaName("es_b"));
        var a = Create(fixture, schemaA);
        var b = Create(fixture, schemaB);
        const string Id = "same-stream";

        await a.AppendAsync(Id, ExpectedVersion.NoStream, [Event(), Event()], Token);
        await a.StoreSnapshotAsync(Id, "s.v1", 2, "{}"u8.ToArray(), Token);
        await a.ResetSubscriptionAsync("shared-name", EventStorePosition.Start, Token);
        var inB = await b.AppendAsync(Id, ExpectedVersion.NoStream, [Event()], Token);

        Assert.Equal(1, inB.StreamVersion);
        Assert.Single(await b.ReadStreamAsync(Id, 1, ReadDirection.Forward, 10, Token));
        Assert.Single(await ReadAllEventuallyAsync(b, 1));
        Assert.Equal(2, (await ReadAllEventuallyAsync(a, 2)).Count);
        Assert.Null(await b.LoadSnapshotAsync(Id, "s.v1", Token));
        Assert.Null(await b.GetCheckpointAsync("shared-name", Token));
        Assert.NotNull(await a.GetCheckpointAsync("shared-name", Token));
    }

    [Fact]
    public async Task Subscribe_AppendOnAnotherSchema_IsNeverNotified()
    {
        var (schemaA, schemaB) = (fixture.NewSchemaName("esn_a"), fixture.NewSchemaName("esn_b"));
        var writerA = Create(fixture, schemaA);
        var readerA = Create(fixture, schemaA);
        var writerB = Create(fixture, schemaB);
        var readerB = Create(fixture, schemaB);
        await writerA.MigrateAsync(Token);
        await writerB.MigrateAsync(Token);

        // Polling (and lease renewal) so rare that only a notification can wake these subscriptions within the test's cap.
        var options = new EventSubscriptionOptions { PollInterval = TimeSpan.FromMinutes(10), LeaseDuration = TimeSpan.FromHours(1) };
        var seenA = new ConcurrentQueue<StoredEvent>();
        var seenB = new ConcurrentQueue<StoredEvent>();
        await using var subscriptionA = await readerA.SubscribeAsync("s", (e, _) => { seenA.Enqueue(e); return default; }, options, Token);
        await using var subscriptionB = await readerB.SubscribeAsync("s", (e, _) => { seenB.Enqueue(e); return default; }, options, Token);
        await readerA.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        await readerB.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        await SubscriptionTests.EventuallyAsync(async () => subscriptionA.IsActive && subscriptionB.IsActive
            && await readerA.GetCheckpointAsync("s", Token) is not null && await readerB.GetCheckpointAsync("s", Token) is not null, "both subscriptions run");

        // A's notification reaches A's subscription; by then it was delivered to every session listening on A's channel.
        var eventA = Event();
        await writerA.AppendAsync("same", ExpectedVersion.NoStream, [eventA], Token);
        await SubscriptionTests.EventuallyAsync(() => !seenA.IsEmpty, "A's subscription was woken");
        var heardByB = readerB.Notifications.Received;
        var eventB = Event();
        await writerB.AppendAsync("same", ExpectedVersion.NoStream, [eventB], Token);
        await SubscriptionTests.EventuallyAsync(() => !seenB.IsEmpty, "B's subscription was woken");

        Assert.NotEqual(readerA.Notifications.NotificationChannel, readerB.Notifications.NotificationChannel);
        Assert.Equal(eventA.EventId, Assert.Single(seenA).EventId);
        Assert.Equal(eventB.EventId, Assert.Single(seenB).EventId);
        Assert.Equal(0, heardByB);
        Assert.Equal(1, readerB.Notifications.Received);
    }
}

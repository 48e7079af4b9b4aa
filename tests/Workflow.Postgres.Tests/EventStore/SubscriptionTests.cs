using System.Collections.Concurrent;
using Workflow.Postgres.EventStore;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using static Workflow.Postgres.Tests.EventStore.EventStores;

namespace Workflow.Postgres.Tests.EventStore;

public sealed class SubscriptionTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribe_CatchesUpThenLive_AndAnotherSubscriptionOfTheNameResumesAfterTheCheckpoint()
    {
        var store = Create(fixture, fixture.NewSchemaName("sub"));
        var early = await AppendAsync(store, 3);
        var seen = new ConcurrentQueue<Guid>();
        var options = new EventSubscriptionOptions { BatchSize = 2 };

        var subscription = await store.SubscribeAsync("catch-up", (e, _) => { seen.Enqueue(e.EventId); return default; }, options, Token);
        await EventuallyAsync(() => seen.Count == 3, "the subscription caught up");
        var live = await AppendAsync(store, 2);
        await EventuallyAsync(() => seen.Count == 5, "the live events arrived");
        var liveEnd = await LastPositionAsync(store, live);
        await EventuallyAsync(() => subscription.Checkpoint == liveEnd, "the checkpoint moved");
        await subscription.DisposeAsync();
        var saved = await store.GetCheckpointAsync("catch-up", Token);
        var missed = await AppendAsync(store, 1);

        var resumedSeen = new ConcurrentQueue<Guid>();
        await using var resumed = await store.SubscribeAsync("catch-up", (e, _) => { resumedSeen.Enqueue(e.EventId); return default; }, options, Token);
        await EventuallyAsync(() => !resumedSeen.IsEmpty, "the resumed subscription handled the missed event");

        Assert.Equal([.. early, .. live], seen);
        Assert.Equal(subscription.Checkpoint, saved);
        Assert.True(subscription.Completion.IsCompletedSuccessfully);
        Assert.Equal(missed, resumedSeen);
        Assert.Null(await store.GetCheckpointAsync("never-started", Token));
    }

    [Fact]
    public async Task Subscribe_NotifiedEventHeldBackBehindATransactionInFlight_IsDeliveredOnceItEndsWithoutPolling()
    {
        var schema = fixture.NewSchemaName("held");
        var store = Create(fixture, schema);
        await store.MigrateAsync(Token);
        var seen = new ConcurrentQueue<Guid>();

        // Polling (and lease renewal) so rare that only the subscription's own look-again can deliver within the cap.
        var options = new EventSubscriptionOptions { PollInterval = TimeSpan.FromMinutes(10), LeaseDuration = TimeSpan.FromHours(1) };
        await using var subscription = await store.SubscribeAsync("held", (e, _) => { seen.Enqueue(e.EventId); return default; }, options, Token);
        await EventuallyAsync(() => subscription.IsActive, "the subscription runs");

        await using var slow = await fixture.Database.DataSource.OpenConnectionAsync(Token);
        await using var transaction = await slow.BeginTransactionAsync(Token);
        await using (var insert = new Npgsql.NpgsqlCommand(
            $"INSERT INTO \"{schema}\".events (stream_id, version, event_id, type) VALUES ('slow', 1, gen_random_uuid(), 'test.slow.v1')", slow, transaction))
        {
            await insert.ExecuteNonQueryAsync(Token);
        }

        var appended = await AppendAsync(store, 1);
        await EventuallyAsync(
            async () => await store.IsHeldBackAsync(subscription.Checkpoint, Token) && seen.IsEmpty, "the appended event is held back");
        await transaction.RollbackAsync(Token);
        await EventuallyAsync(() => !seen.IsEmpty, "the held-back event was delivered");

        Assert.Equal(appended, seen);
    }

    [Fact]
    public async Task Dispose_MidBatch_CheckpointsTheEventsHandledSoThatNoneIsHandedOutAgain()
    {
        var store = Create(fixture, fixture.NewSchemaName("stop"));
        var events = await AppendAsync(store, 5);
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new ConcurrentQueue<Guid>();

        var subscription = await store.SubscribeAsync(
            "stopped",
            async (e, ct) =>
            {
                if (e.EventId == events[2])
                {
                    inside.TrySetResult();
                    await Task.Delay(Timeout.InfiniteTimeSpan, ct);   // a handler that observes its token
                }

                handled.Enqueue(e.EventId);
            },
            cancellationToken: Token);
        await inside.Task.WaitAsync(StoreClock.Cap, Token);
        await subscription.DisposeAsync();
        var checkpoint = await store.GetCheckpointAsync("stopped", Token);
        var resumed = new ConcurrentQueue<Guid>();
        await using (var next = await store.SubscribeAsync("stopped", (e, _) => { resumed.Enqueue(e.EventId); return default; }, cancellationToken: Token))
        {
            await EventuallyAsync(() => resumed.Count == 3, "the next subscription handled the rest");
        }

        Assert.Equal(events[..2], handled);
        Assert.Equal(await LastPositionAsync(store, events[..2]), checkpoint);
        Assert.Equal(events[2..], resumed);
        Assert.True(subscription.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Subscribe_TwoConsumersOfOneName_OneOwnerAtATimeAndTheOtherTakesOverWhenItStops()
    {
        var schema = fixture.NewSchemaName("compete");
        var first = Create(fixture, schema);
        var second = Create(fixture, schema);
        var options = new EventSubscriptionOptions { LeaseDuration = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromMilliseconds(50) };
        var byFirst = new ConcurrentQueue<Guid>();
        var bySecond = new ConcurrentQueue<Guid>();

        var a = await first.SubscribeAsync("shared", (e, _) => { byFirst.Enqueue(e.EventId); return default; }, options, Token);
        await EventuallyAsync(() => a.IsActive, "the first consumer owns the subscription");
        await using var b = await second.SubscribeAsync("shared", (e, _) => { bySecond.Enqueue(e.EventId); return default; }, options, Token);
        var before = await AppendAsync(first, 3);
        await EventuallyAsync(() => byFirst.Count == 3, "the owner handled the events");
        var secondActiveWhileFirstOwned = b.IsActive;

        await a.DisposeAsync();
        await EventuallyAsync(() => b.IsActive, "the second consumer took over");
        var after = await AppendAsync(first, 2);
        await EventuallyAsync(() => bySecond.Count == 2, "the new owner handled the new events");

        Assert.False(secondActiveWhileFirstOwned);
        Assert.Equal(before, byFirst);
        Assert.Equal(after, bySecond);
    }

    [Fact]
    public async Task Subscribe_HandlerRunsLongerThanTheLease_KeepsTheLeaseAndNoCompetitorTakesOver()
    {
        var schema = fixture.NewSchemaName("slow");
        var first = Create(fixture, schema);
        var second = Create(fixture, schema);
        var options = new EventSubscriptionOptions { LeaseDuration = TimeSpan.FromSeconds(1), PollInterval = TimeSpan.FromMilliseconds(20) };
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bySecond = new ConcurrentQueue<Guid>();
        var events = await AppendAsync(first, 2);

        await using var a = await first.SubscribeAsync(
            "slow",
            async (e, ct) =>
            {
                if (e.EventId == events[0])
                {
                    inside.TrySetResult();
                    await release.Task.WaitAsync(ct);
                }
            },
            options,
            Token);
        await inside.Task.WaitAsync(StoreClock.Cap, Token);
        await using var b = await second.SubscribeAsync("slow", (e, _) => { bySecond.Enqueue(e.EventId); return default; }, options, Token);
        var claimedUntil = await LeaseUntilAsync(schema);

        // Wait until the lease has been renewed past three times its duration from the claim: without renewal during
        // the handler, it would have expired and the competitor (polling every 20 ms) would have taken over.
        await EventuallyAsync(async () => await LeaseUntilAsync(schema) > claimedUntil.AddSeconds(3), "the lease was renewed while the handler ran");
        var secondActive = b.IsActive;
        release.SetResult();
        var end = await LastPositionAsync(first, events);
        await EventuallyAsync(async () => await first.GetCheckpointAsync("slow", Token) == end, "the slow consumer checkpointed");

        Assert.False(secondActive);
        Assert.True(a.IsActive);
        Assert.Empty(bySecond);
    }

    private async Task<DateTime> LeaseUntilAsync(string schema) =>
        await fixture.ScalarAsync<DateTime>($"SELECT lease_until FROM \"{schema}\".subscriptions WHERE name = 'slow'");

    [Fact]
    public async Task Subscribe_OwnerLosesTheDatabase_AnotherConsumerTakesOverAfterTheLeaseExpires()
    {
        var schema = fixture.NewSchemaName("failover");
        var proxy = CuttingProxy.Start(fixture.Database.ConnectionString);
        var proxyStopped = false;
        try
        {
            await using var doomed = new PostgresEventStore(
                proxy.ConnectionString(fixture.Database.ConnectionString) + ";Timeout=2", new PostgresEventStoreOptions { Schema = schema, MaxRetryAttempts = 0 });
            var survivor = Create(fixture, schema);
            var options = new EventSubscriptionOptions { LeaseDuration = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromMilliseconds(50) };
            var byDoomed = new ConcurrentQueue<Guid>();
            var bySurvivor = new ConcurrentQueue<Guid>();

            var a = await doomed.SubscribeAsync("failover", (e, _) => { byDoomed.Enqueue(e.EventId); return default; }, options, Token);
            await EventuallyAsync(() => a.IsActive, "the doomed consumer owns the subscription");
            await using var b = await survivor.SubscribeAsync("failover", (e, _) => { bySurvivor.Enqueue(e.EventId); return default; }, options, Token);
            var before = await AppendAsync(survivor, 2);
            var beforeEnd = await LastPositionAsync(survivor, before);
            await EventuallyAsync(async () => await survivor.GetCheckpointAsync("failover", Token) == beforeEnd, "the doomed consumer checkpointed");

            // The owner's process is cut off from the database: it can no longer renew its lease.
            await proxy.DisposeAsync();
            proxyStopped = true;
            var after = await AppendAsync(survivor, 2);
            await EventuallyAsync(() => bySurvivor.Count == 2, "the survivor took over and handled the new events");

            await EventuallyAsync(() => !a.IsActive, "the cut-off consumer knows it lost the subscription");

            Assert.Equal(before, byDoomed);
            Assert.Equal(after, bySurvivor);
            Assert.True(b.IsActive);
        }
        finally
        {
            if (!proxyStopped)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SaveCheckpoint_ConsumerWhoseLeaseWasTakenOver_IsFencedOff()
    {
        var store = Create(fixture, fixture.NewSchemaName("fence"));
        await store.MigrateAsync(Token);
        var events = await AppendAsync(store, 2);
        var end = await LastPositionAsync(store, events);
        var lease = TimeSpan.FromSeconds(1);

        var zombie = await store.ClaimSubscriptionAsync("fenced", "zombie", lease, EventStorePosition.Start, Token);
        var refusedWhileHeld = await store.ClaimSubscriptionAsync("fenced", "successor", lease, EventStorePosition.Start, Token);
        (long Token, EventStorePosition Checkpoint)? successor = null;
        await EventuallyAsync(
            async () => (successor = await store.ClaimSubscriptionAsync("fenced", "successor", TimeSpan.FromMinutes(1), EventStorePosition.Start, Token)) is not null,
            "the successor claimed the expired lease");

        var zombieSaved = await store.SaveCheckpointAsync("fenced", "zombie", zombie!.Value.Token, EventStorePosition.Start, end, lease, Token);
        var zombieRenewed = await store.RenewSubscriptionAsync("fenced", "zombie", zombie.Value.Token, lease, Token);
        var zombieReleased = await store.ReleaseSubscriptionAsync("fenced", "zombie", zombie.Value.Token, Token);
        var successorSaved = await store.SaveCheckpointAsync("fenced", "successor", successor!.Value.Token, EventStorePosition.Start, end, lease, Token);

        Assert.Null(refusedWhileHeld);
        Assert.True(successor.Value.Token > zombie.Value.Token);
        Assert.False(zombieSaved);
        Assert.False(zombieRenewed);
        Assert.False(zombieReleased);
        Assert.True(successorSaved);
        Assert.Equal(end, await store.GetCheckpointAsync("fenced", Token));
    }

    [Fact]
    public async Task Subscribe_BehindTheLog_RecordsTheLagGaugeTaggedWithSubscriptionAndSchema()
    {
        var schema = fixture.NewSchemaName("lag");
        var store = Create(fixture, schema);
        await AppendAsync(store, 3);
        var lags = new ConcurrentQueue<(long Value, string? Subscription, string? Schema)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == EventStoreTelemetry.SubscriptionLag)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? subscription = null, tagSchema = null;
            foreach (var tag in tags)
            {
                subscription = tag.Key == EventStoreTelemetry.SubscriptionTag ? tag.Value as string : subscription;
                tagSchema = tag.Key == EventStoreTelemetry.SchemaTag ? tag.Value as string : tagSchema;
            }

            if (tagSchema == schema)
            {
                lags.Enqueue((value, subscription, tagSchema));
            }
        });
        listener.Start();
        var handled = 0;

        await using var subscription = await store.SubscribeAsync("lagging", (_, _) => { Interlocked.Increment(ref handled); return default; }, cancellationToken: Token);
        await EventuallyAsync(() => lags.Any(l => l.Value == 0), "the caught-up subscription recorded no lag");

        Assert.Equal(3, Volatile.Read(ref handled));
        Assert.Equal(3, lags.First().Value);
        Assert.All(lags, l => Assert.Equal("lagging", l.Subscription));
    }

    [Fact]
    public async Task Subscribe_HandlerKeepsFailingOnAnEvent_StopsWithTypedErrorAndCheckpointBeforeIt()
    {
        var store = Create(fixture, fixture.NewSchemaName("poison"));
        var good = await AppendAsync(store, 2);
        var poison = Event("test.poison.v1");
        await store.AppendAsync(NewStream("poison"), ExpectedVersion.NoStream, [poison], Token);
        var attempts = 0;
        var options = new EventSubscriptionOptions { MaxAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5) };

        await using var subscription = await store.SubscribeAsync(
            "poisoned",
            (e, _) => e.EventId == poison.EventId ? throw new InvalidDataException($"cannot handle {Interlocked.Increment(ref attempts)}") : default,
            options,
            Token);
        var error = await Assert.ThrowsAsync<EventSubscriptionFailedException>(() => subscription.Completion.WaitAsync(StoreClock.Cap, Token));

        Assert.Equal(3, attempts);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(poison.EventId, error.Event.EventId);
        Assert.IsType<InvalidDataException>(error.InnerException);
        Assert.Equal(await LastPositionAsync(store, good), await store.GetCheckpointAsync("poisoned", Token));
        Assert.False(subscription.IsActive);
    }

    [Fact]
    public async Task ResetSubscription_ToStart_ReplaysEverythingAndBadNamesAreRejected()
    {
        var store = Create(fixture, fixture.NewSchemaName("reset"));
        var events = await AppendAsync(store, 2);
        var seen = new ConcurrentQueue<Guid>();
        await using (var subscription = await store.SubscribeAsync("replayed", (e, _) => { seen.Enqueue(e.EventId); return default; }, cancellationToken: Token))
        {
            await EventuallyAsync(() => seen.Count == 2, "the events were handled");
        }

        await store.ResetSubscriptionAsync("replayed", EventStorePosition.Start, Token);
        await using (var again = await store.SubscribeAsync("replayed", (e, _) => { seen.Enqueue(e.EventId); return default; }, cancellationToken: Token))
        {
            await EventuallyAsync(() => seen.Count == 4, "the events were replayed");
        }

        Assert.Equal([.. events, .. events], seen);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SubscribeAsync("nul\0name", (_, _) => default, cancellationToken: Token));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.SubscribeAsync(new string('n', 201), (_, _) => default, cancellationToken: Token));
        var badOptions = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.SubscribeAsync("x", (_, _) => default, new EventSubscriptionOptions { LeaseDuration = TimeSpan.Zero }, Token));
        Assert.Contains("LeaseDuration", badOptions.Message, StringComparison.Ordinal);
    }

    internal static async Task<Guid[]> AppendAsync(PostgresEventStore store, int count)
    {
        var ids = new Guid[count];
        for (var i = 0; i < count; i++)
        {
            var e = Event();
            await store.AppendAsync(NewStream("e"), ExpectedVersion.NoStream, [e], Token);
            ids[i] = e.EventId;
        }

        return ids;
    }

    /// <summary>The position of the last of <paramref name="events"/>, once the global order has reached it.</summary>
    internal static async Task<EventStorePosition> LastPositionAsync(PostgresEventStore store, Guid[] events)
    {
        var eventId = events[^1];
        StoredEvent? found = null;
        await EventuallyAsync(
            async () =>
            {
                var after = EventStorePosition.Start;
                while (found is null && await store.ReadAllAsync(after, 500, Token) is { Count: > 0 } page)
                {
                    found = page.FirstOrDefault(e => e.EventId == eventId);
                    after = page[^1].Position;
                }

                return found is not null;
            },
            $"event {eventId} is readable in the global order");
        return found!.Position;
    }

    internal static Task EventuallyAsync(Func<bool> condition, string what) =>
        StoreClock.EventuallyAsync(() => Task.FromResult(condition()), Step, what, Token);

    internal static Task EventuallyAsync(Func<Task<bool>> condition, string what) =>
        StoreClock.EventuallyAsync(condition, Step, what, Token);
}

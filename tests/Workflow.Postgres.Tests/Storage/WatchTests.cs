using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;
using Workflow.Storage;
using Workflow.TestUtilities;

namespace Workflow.Postgres.Tests.Storage;

public sealed class WatchTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Polling so rare that only a notification can wake a watch within the test's cap.
    private static readonly TimeSpan NeverPoll = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task WatchStream_AppendThroughAnotherStore_IsWokenByNotify()
    {
        var watcher = fixture.CreateStore(configure: o => o.WatchPollInterval = NeverPoll);
        var writer = fixture.CreateStore();
        var id = NewId();
        await writer.CommitAsync(Append(id, ExpectedVersion.NoStream, 1), Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);

        // Another watch starts the store's listener first: the read every watch makes when it (re)connects is over
        // before the watch under test begins, so only a notification can wake it.
        var other = Task.Run(async () =>
        {
            await foreach (var _ in watcher.WatchStreamAsync(NewId(), 1, stop.Token))
            {
            }
        }, Token);
        await watcher.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        var seen = new List<long>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var watch = Task.Run(async () =>
        {
            await foreach (var recorded in watcher.WatchStreamAsync(id, 1, stop.Token))
            {
                seen.Add(recorded.Version);
                first.TrySetResult();
                if (recorded.Version == 3)
                {
                    return;
                }
            }
        }, Token);
        await first.Task.WaitAsync(StoreClock.Cap, Token);
        await writer.CommitAsync(Append(id, ExpectedVersion.Exactly(1), 2), Token);
        await watch.WaitAsync(StoreClock.Cap, Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => other);

        Assert.Equal([1L, 2L, 3L], seen);
        Assert.True(watcher.Notifications.Received >= 1, "only a notification can have woken the watch");
    }

    [Fact]
    public async Task WatchStream_NotificationsOff_PollingDeliversEveryEventOnceInOrder()
    {
        var watcher = fixture.CreateStore(configure: o =>
        {
            o.UseNotifications = false;
            o.WatchPollInterval = TimeSpan.FromMilliseconds(20);
        });
        var writer = fixture.CreateStore(configure: o => o.UseNotifications = false);
        var id = NewId();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = new List<long>();

        var watch = Task.Run(async () =>
        {
            await foreach (var recorded in watcher.WatchStreamAsync(id, 0, stop.Token))
            {
                seen.Add(recorded.Version);
                if (recorded.Version == 1200)
                {
                    return;
                }
            }
        }, Token);
        for (var version = 0; version < 1200; version += 100)
        {
            await writer.CommitAsync(Append(id, ExpectedVersion.Exactly(version), 100), Token);
        }

        await watch.WaitAsync(StoreClock.Cap, Token);

        Assert.Equal(Enumerable.Range(1, 1200).Select(v => (long)v), seen);
        Assert.False(watcher.Notifications.Listening.Task.IsCompleted, "no listener without notifications");
    }

    [Fact]
    public async Task WatchStream_ListenerConnectionKilled_ReconnectsAndIsWokenAgain()
    {
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TestLogging.Factory(logs);
        var application = "watch-" + Guid.NewGuid().ToString("N")[..12];
        var watcher = fixture.CreateStore(
            configure: o => o.WatchPollInterval = NeverPoll, dataSource: fixture.CreateDataSource(application), loggerFactory: loggerFactory);
        var writer = fixture.CreateStore();
        var id = NewId();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var seen = new List<long>();
        var watch = Task.Run(async () =>
        {
            await foreach (var recorded in watcher.WatchStreamAsync(id, 1, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(recorded.Version);
                }
            }
        }, Token);
        await watcher.Notifications.Listening.Task.WaitAsync(StoreClock.Cap, Token);
        await writer.CommitAsync(Append(id, ExpectedVersion.NoStream, 1), Token);
        await StoreClock.EventuallyAsync(() => Task.FromResult(Count(seen) == 1), TimeSpan.FromMilliseconds(10), "the watch sees the first event", Token);

        Assert.True(await fixture.TerminateBackendsAsync(application) >= 1);
        await StoreClock.EventuallyAsync(
            () => Task.FromResult(logs.Entries.Count(e => e.EventId.Id == 2003) == 2), TimeSpan.FromMilliseconds(10), "the listener reconnects", Token);
        var heardBefore = watcher.Notifications.Received;
        await writer.CommitAsync(Append(id, ExpectedVersion.Exactly(1), 1), Token);
        await StoreClock.EventuallyAsync(() => Task.FromResult(Count(seen) == 2), TimeSpan.FromMilliseconds(10), "the watch sees the second event", Token);

        // The reconnect itself wakes watches to re-read, which may see the second event before its notification is
        // counted; the notification must still arrive on the new connection.
        await StoreClock.EventuallyAsync(
            () => Task.FromResult(watcher.Notifications.Received > heardBefore), TimeSpan.FromMilliseconds(10), "a notification arrives after the reconnect", Token);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        Assert.Equal([1L, 2L], seen);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2004);
    }

    [Fact]
    public async Task WatchStream_DatabaseUnreachableAtStart_ThrowsStoreUnavailable()
    {
        await using var store = new PostgresWorkflowStore($"Host=127.0.0.1;Port={UnavailableTests.FreePort()};Username=nobody;Timeout=2");

        await Assert.ThrowsAsync<Workflow.Exceptions.WorkflowStoreUnavailableException>(async () =>
        {
            await foreach (var _ in store.WatchStreamAsync("x", 1, Token))
            {
            }
        });
    }

    private static int Count(List<long> seen)
    {
        lock (seen)
        {
            return seen.Count;
        }
    }

    private static string NewId() => "watch-" + Guid.NewGuid().ToString("N");

    private static WorkflowCommit Append(string id, ExpectedVersion expected, int events) => new()
    {
        InstanceId = id,
        ExpectedVersion = expected,
        Events = [.. Enumerable.Range(0, events).Select(_ => new EventData(Guid.NewGuid(), "test.event.v1", "{}"u8.ToArray()))],
    };
}

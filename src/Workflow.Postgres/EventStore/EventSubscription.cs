using Microsoft.Extensions.Logging;
using Workflow.Exceptions;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// A running subscription or projection of a <see cref="PostgresEventStore"/>, started by
/// <see cref="PostgresEventStore.SubscribeAsync"/> or <see cref="PostgresEventStore.StartProjectionAsync"/>. It works in
/// the background until disposed: it competes for the subscription's lease, and while it holds it, reads the global
/// order after the checkpoint, hands each event to the handler and moves the checkpoint.
/// </summary>
/// <remarks>
/// One consumer per subscription name holds the lease at a time (<see cref="IsActive"/>); the others poll every
/// <see cref="EventSubscriptionOptions.PollInterval"/> and take over once the lease is given up (on dispose) or expires
/// (the owner died). Every claim draws a new fencing token, and checkpoints are only written with the current one, so a
/// consumer that lost its lease cannot move the checkpoint. A database outage pauses the subscription; it resumes when
/// the database is back.
/// </remarks>
public sealed class EventSubscription : IAsyncDisposable
{
    // The first wait before reading again when events are held back behind a transaction in flight; it doubles up to the
    // poll interval.
    private static readonly TimeSpan MinHeldBackDelay = TimeSpan.FromMilliseconds(5);

    private readonly PostgresEventStore _store;
    private readonly EventSubscriptionOptions _options;
    private readonly Func<StoredEvent, CancellationToken, ValueTask>? _handler;
    private readonly Func<ProjectionContext, StoredEvent, CancellationToken, ValueTask>? _projection;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeSpan _renewEvery;
    private readonly KeyValuePair<string, object?>[] _tags;
    private Task _run = Task.CompletedTask;
    private long _token;
    private volatile bool _isActive;
    private volatile StrongBox _checkpoint = new(EventStorePosition.Start);
    private int _disposed;

    internal EventSubscription(
        PostgresEventStore store,
        string name,
        EventSubscriptionOptions options,
        Func<StoredEvent, CancellationToken, ValueTask>? handler,
        Func<ProjectionContext, StoredEvent, CancellationToken, ValueTask>? projection,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _store = store;
        Name = name;
        _options = options;
        _handler = handler;
        _projection = projection;
        _timeProvider = timeProvider;
        _logger = logger;
        _renewEvery = options.LeaseDuration / 3;
        var consumer = options.ConsumerName ?? $"{Environment.MachineName}/{Environment.ProcessId}";
        ConsumerId = $"{consumer}/{Guid.NewGuid():N}";
        _tags = [new(EventStoreTelemetry.SubscriptionTag, name), new(EventStoreTelemetry.SchemaTag, store.Schema)];
    }

    /// <summary>Gets the subscription's name.</summary>
    public string Name { get; }

    /// <summary>Gets this consumer's id, as the subscription's <c>owner</c> column shows it while it holds the lease.</summary>
    public string ConsumerId { get; }

    /// <summary>Gets a value indicating whether this consumer holds the subscription's lease (and so receives events).</summary>
    public bool IsActive => _isActive;

    /// <summary>Gets the position of the last event this consumer handled and checkpointed (or the checkpoint it
    /// resumed from); <see cref="EventStorePosition.Start"/> before it first held the lease.</summary>
    public EventStorePosition Checkpoint => _checkpoint.Value;

    /// <summary>Gets a task that completes when the subscription stops: successfully when it is disposed, faulted with
    /// an <see cref="EventSubscriptionFailedException"/> when its handler kept failing on an event.</summary>
    public Task Completion => _run;

    /// <summary>Stops the subscription: waits for the handler to return, then gives up the lease (keeping the
    /// checkpoint) so another consumer can take over at once.</summary>
    /// <returns>A task that completes when the subscription has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (EventSubscriptionFailedException)
        {
            // Reported through Completion; the lease is already given up.
        }

        _store.Forget(this);
        _stopping.Dispose();
    }

    internal void Start() => _run = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var ct = _stopping.Token;
        using var watcher = _store.Notifications.WatchAll();
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    if (await TryClaimAsync(ct).ConfigureAwait(false))
                    {
                        Log.SubscriptionActive(_logger, Name, ConsumerId, Checkpoint.ToString());
                        await RunOwnedAsync(watcher, ct).ConfigureAwait(false);
                        Log.SubscriptionLeaseLost(_logger, Name, ConsumerId);
                    }
                    else
                    {
                        await Task.Delay(_options.PollInterval, _timeProvider, ct).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is WorkflowStoreUnavailableException or (InvalidOperationException and not ObjectDisposedException))
                {
                    // When stopping, the delay below ends the loop at once.
                    _isActive = false;
                    Log.SubscriptionInterrupted(_logger, ex, Name, ConsumerId, _options.PollInterval);
                    await Task.Delay(_options.PollInterval, _timeProvider, ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (EventSubscriptionFailedException ex)
        {
            Log.SubscriptionFailed(_logger, ex, Name, ConsumerId);
            await ReleaseAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _isActive = false;
        }
    }

    private async ValueTask<bool> TryClaimAsync(CancellationToken cancellationToken)
    {
        var claim = await _store.ClaimSubscriptionAsync(Name, ConsumerId, _options.LeaseDuration, _options.StartPosition, cancellationToken)
            .ConfigureAwait(false);
        if (claim is not { } claimed)
        {
            _isActive = false;
            return false;
        }

        _token = claimed.Token;
        _checkpoint = new StrongBox(claimed.Checkpoint);
        _isActive = true;
        return true;
    }

    /// <summary>Works while this consumer holds the lease, renewing it in the background (also while a handler runs);
    /// returns when it lost it.</summary>
    private async ValueTask RunOwnedAsync(StreamNotifications.StreamWatcher watcher, CancellationToken stopping)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var heartbeat = HeartbeatAsync(lost);
        try
        {
            await WorkAsync(watcher, lost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // The heartbeat found the lease taken over: the handler was canceled, and nothing more is checkpointed.
        }
        finally
        {
            await lost.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    /// <summary>Renews the lease every third of its duration; cancels <paramref name="lost"/> when another consumer
    /// holds it.</summary>
    private async Task HeartbeatAsync(CancellationTokenSource lost)
    {
        var token = lost.Token;
        try
        {
            while (true)
            {
                await Task.Delay(_renewEvery, _timeProvider, token).ConfigureAwait(false);
                bool renewed;
                try
                {
                    renewed = await _store.RenewSubscriptionAsync(Name, ConsumerId, _token, _options.LeaseDuration, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WorkflowStoreUnavailableException or (InvalidOperationException and not ObjectDisposedException) && !token.IsCancellationRequested)
                {
                    // Try again at the next beat: should the lease expire meanwhile, checkpoints are fenced off.
                    Log.SubscriptionInterrupted(_logger, ex, Name, ConsumerId, _renewEvery);
                    continue;
                }

                if (!renewed)
                {
                    _isActive = false;
                    await lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The work ended.
        }
    }

    /// <summary>Reads, hands events to the handler and checkpoints; returns when a checkpoint found the lease lost.</summary>
    private async ValueTask WorkAsync(StreamNotifications.StreamWatcher watcher, CancellationToken cancellationToken)
    {
        var limit = _options.BatchSize;
        Guid? failing = null;
        var failures = 0;
        var lagDue = true;
        var heldBackDelay = TimeSpan.Zero;
        while (true)
        {
            if (lagDue)
            {
                await RecordLagAsync(cancellationToken).ConfigureAwait(false);
                lagDue = false;
            }

            var page = await _store.ReadAllRawAsync(Checkpoint, limit, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                // Caught up, or held back behind a transaction in flight: then look again soon (backing off), since the
                // notification of those events has already been spent.
                var idle = _options.PollInterval;
                if (await _store.IsHeldBackAsync(Checkpoint, cancellationToken).ConfigureAwait(false))
                {
                    heldBackDelay = heldBackDelay == TimeSpan.Zero ? MinHeldBackDelay : Min(heldBackDelay + heldBackDelay, idle);
                    idle = heldBackDelay;
                }
                else
                {
                    heldBackDelay = TimeSpan.Zero;
                    lagDue = true;
                }

                await watcher.WaitAsync(idle, cancellationToken).ConfigureAwait(false);
                continue;
            }

            heldBackDelay = TimeSpan.Zero;

            var (applied, failure) = _projection is null
                ? await HandleAsync(page, cancellationToken).ConfigureAwait(false)
                : await ProjectAsync(page, limit, cancellationToken).ConfigureAwait(false);
            if (applied < 0)
            {
                return;
            }

            if (failure is null)
            {
                if (failing is { } id && page.Take(applied).Any(e => e.EventId == id))
                {
                    failing = null;
                    failures = 0;
                }

                limit = failing is null ? _options.BatchSize : 1;
                continue;
            }

            // The handler failed on page[applied]. Count the attempt against that event.
            var failed = page[applied];
            if (failing != failed.EventId)
            {
                failing = failed.EventId;
                failures = 0;
            }

            failures++;
            if (_projection is not null && applied > 0)
            {
                // Nothing of the batch was committed: commit the events before the failed one first.
                limit = applied;
                continue;
            }

            if (failures >= _options.MaxAttempts)
            {
                throw new EventSubscriptionFailedException(Name, failed, failures, failure);
            }

            limit = 1;
            var delay = RetryDelay(failures);
            Log.SubscriptionHandlerRetry(_logger, failure, Name, failed.EventId, failed.Type, failed.Version, failed.StreamId, failures, _options.MaxAttempts, delay);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Hands the events to the handler one by one, then saves the checkpoint after the last one handled.
    /// Returns how many were handled and the handler's exception when it failed, or -1 when the lease was lost.</summary>
    private async ValueTask<(int Applied, Exception? Failure)> HandleAsync(IReadOnlyList<StoredEvent> page, CancellationToken cancellationToken)
    {
        var handled = 0;
        Exception? failure = null;
        foreach (var stored in page)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await _handler!(_store.Upcasting.Apply(stored), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping (or the lease was lost): the events handled so far are still checkpointed below.
                break;
            }
            catch (Exception ex)
            {
                failure = ex;
                break;
            }

            handled++;
        }

        if (handled > 0)
        {
            // Saved even when stopping, so that a graceful stop hands no handled event to the next owner again; a
            // consumer that lost its lease is fenced off by the statement.
            var from = Checkpoint;
            var to = page[handled - 1].Position;
            if (!await _store.SaveCheckpointAsync(Name, ConsumerId, _token, from, to, _options.LeaseDuration, CancellationToken.None).ConfigureAwait(false))
            {
                return (-1, null);
            }

            _checkpoint = new StrongBox(to);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return (handled, failure);
    }

    private async ValueTask<(int Applied, Exception? Failure)> ProjectAsync(IReadOnlyList<StoredEvent> page, int limit, CancellationToken cancellationToken)
    {
        var count = Math.Min(limit, page.Count);
        var outcome = await _store.ProjectAsync(Name, ConsumerId, _token, Checkpoint, page, count, _options.LeaseDuration, _projection!, cancellationToken)
            .ConfigureAwait(false);
        if (outcome.IsLeaseLost)
        {
            return (-1, null);
        }

        if (outcome.Failure is null)
        {
            _checkpoint = new StrongBox(page[count - 1].Position);
            return (count, null);
        }

        // Nothing committed: commit the events before the failed one first (next round, limit = applied).
        return (outcome.Applied, outcome.Failure);
    }

    private async ValueTask RecordLagAsync(CancellationToken cancellationToken)
    {
        if (!EventStoreInstrumentation.Lag.Enabled && !EventStoreInstrumentation.LagTime.Enabled)
        {
            return;
        }

        var (count, age) = await _store.ReadLagAsync(Checkpoint, cancellationToken).ConfigureAwait(false);
        EventStoreInstrumentation.Lag.Record(count, _tags);
        EventStoreInstrumentation.LagTime.Record(age, _tags);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private TimeSpan RetryDelay(int failures)
    {
        var delay = _options.RetryDelay;
        for (var i = 1; i < failures && delay < _options.MaxRetryDelay; i++)
        {
            delay += delay;
        }

        return delay < _options.MaxRetryDelay ? delay : _options.MaxRetryDelay;
    }

    private async ValueTask ReleaseAsync()
    {
        if (!_isActive)
        {
            return;
        }

        _isActive = false;
        try
        {
            await _store.ReleaseSubscriptionAsync(Name, ConsumerId, _token, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WorkflowStoreUnavailableException or InvalidOperationException or ObjectDisposedException)
        {
            Log.SubscriptionReleaseFailed(_logger, ex, Name, ConsumerId);
        }
    }

    // The checkpoint is a 16-byte struct: swapped as a whole through a reference so readers never see it torn.
    private sealed class StrongBox(EventStorePosition value)
    {
        public EventStorePosition Value { get; } = value;
    }
}

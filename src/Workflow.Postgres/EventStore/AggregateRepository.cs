using System.Text.Json;
using Workflow.Exceptions;
using Workflow.Postgres.Internal;
using Workflow.Storage;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// Loads and saves event-sourced aggregates on a <see cref="PostgresEventStore"/>: the state is the fold of the stream's
/// events (upcast to their newest types) with a pure function, starting from the latest snapshot when snapshots are on,
/// and a snapshot is stored every <c>snapshotEvery</c> events.
/// </summary>
/// <typeparam name="TState">The state's type; with snapshots on, System.Text.Json must round-trip it.</typeparam>
/// <remarks>The repository is thread-safe and holds no state of its own: share one per aggregate type.</remarks>
public sealed class AggregateRepository<TState>
{
    private const int PageSize = 500;

    private readonly PostgresEventStore _store;
    private readonly Func<TState> _initialState;
    private readonly Func<TState, StoredEvent, TState> _apply;
    private readonly string? _snapshotType;
    private readonly int _snapshotEvery;
    private readonly JsonSerializerOptions _serializerOptions;

    /// <summary>Initializes a repository.</summary>
    /// <param name="store">The event store.</param>
    /// <param name="initialState">Creates the state of a stream before its first event.</param>
    /// <param name="apply">Folds one event into the state and returns the new state; a pure function of both.</param>
    /// <param name="snapshotType">The snapshot type (the name and version of the state's shape, for example
    /// <c>order-state.v1</c>; change it when the shape changes), or <see langword="null"/> for no snapshots.</param>
    /// <param name="snapshotEvery">Store a snapshot whenever an append crosses a multiple of this many events; 0 for no
    /// snapshots.</param>
    /// <param name="serializerOptions">The options snapshots are serialized with, or <see langword="null"/> for the
    /// web defaults (camelCase).</param>
    /// <exception cref="ArgumentNullException"><paramref name="store"/>, <paramref name="initialState"/> or
    /// <paramref name="apply"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Only one of <paramref name="snapshotType"/> and
    /// <paramref name="snapshotEvery"/> is set, or <paramref name="snapshotEvery"/> is negative.</exception>
    public AggregateRepository(
        PostgresEventStore store,
        Func<TState> initialState,
        Func<TState, StoredEvent, TState> apply,
        string? snapshotType = null,
        int snapshotEvery = 0,
        JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(initialState);
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentOutOfRangeException.ThrowIfNegative(snapshotEvery);
        if ((snapshotEvery > 0) != !string.IsNullOrEmpty(snapshotType))
        {
            throw new ArgumentException(
                $"Snapshots need both a snapshot type and an interval (snapshotType is {(snapshotType is null ? "null" : $"'{snapshotType}'")}, snapshotEvery is {snapshotEvery}); set both, for example 'order-state.v1' and 100, or neither.",
                nameof(snapshotType));
        }

        if (snapshotType is not null)
        {
            PostgresEventStore.RequireSnapshotType(snapshotType, nameof(snapshotType));
        }

        _store = store;
        _initialState = initialState;
        _apply = apply;
        _snapshotType = snapshotEvery > 0 ? snapshotType : null;
        _snapshotEvery = snapshotEvery;
        _serializerOptions = serializerOptions ?? JsonSerializerOptions.Web;
    }

    /// <summary>Loads an aggregate: its latest snapshot (if any), then the events after it, folded.</summary>
    /// <param name="streamId">The aggregate's stream.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The aggregate; at version 0 with the initial state when the stream has no events.</returns>
    /// <exception cref="InvalidOperationException">An upcaster failed on an event.</exception>
    /// <exception cref="WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<Aggregate<TState>> LoadAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        var state = _initialState();
        var version = 0L;
        if (_snapshotType is not null
            && await _store.LoadSnapshotAsync(streamId, _snapshotType, cancellationToken).ConfigureAwait(false) is { } snapshot)
        {
            try
            {
                state = JsonSerializer.Deserialize<TState>(snapshot.State.Span, _serializerOptions)!;
                version = snapshot.Version;
            }
            catch (JsonException ex)
            {
                Log.SnapshotUnreadable(_store.Logger, ex, _snapshotType, streamId, snapshot.Version);
                state = _initialState();
            }
        }

        return await FoldAsync(new Aggregate<TState>(streamId, state, version), long.MaxValue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends events to a loaded aggregate's stream, at the version it was loaded at, and returns it with the
    /// events folded in. Stores a snapshot when the append crosses a multiple of the snapshot interval.</summary>
    /// <param name="aggregate">The aggregate as loaded (or as returned by the previous append).</param>
    /// <param name="events">The events, each with an id of its own: retrying the same append is safe.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The aggregate after the append.</returns>
    /// <exception cref="WorkflowConcurrencyException">The stream moved since the aggregate was loaded; load it again,
    /// decide again, append again. Nothing was written.</exception>
    /// <exception cref="ArgumentException">An event is invalid; nothing was written.</exception>
    /// <exception cref="WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<Aggregate<TState>> AppendAsync(Aggregate<TState> aggregate, IReadOnlyList<EventData> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(events);
        var expected = aggregate.Version == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(aggregate.Version);
        var result = await _store.AppendAsync(aggregate.StreamId, expected, events, cancellationToken).ConfigureAwait(false);
        var updated = await FoldAsync(aggregate, result.StreamVersion, cancellationToken).ConfigureAwait(false);
        if (_snapshotType is not null && updated.Version / _snapshotEvery > aggregate.Version / _snapshotEvery)
        {
            await TryStoreSnapshotAsync(updated, cancellationToken).ConfigureAwait(false);
        }

        return updated;
    }

    private async ValueTask<Aggregate<TState>> FoldAsync(Aggregate<TState> from, long toVersion, CancellationToken cancellationToken)
    {
        var state = from.State;
        var version = from.Version;
        while (version < toVersion)
        {
            var page = await _store.ReadStreamAsync(from.StreamId, version + 1, ReadDirection.Forward, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var stored in page)
            {
                if (stored.Version > toVersion)
                {
                    break;
                }

                state = _apply(state, stored);
                version = stored.Version;
            }

            if (page.Count < PageSize)
            {
                break;
            }
        }

        return new Aggregate<TState>(from.StreamId, state, version);
    }

    private async ValueTask TryStoreSnapshotAsync(Aggregate<TState> aggregate, CancellationToken cancellationToken)
    {
        try
        {
            var state = JsonSerializer.SerializeToUtf8Bytes(aggregate.State, _serializerOptions);
            await _store.StoreSnapshotAsync(aggregate.StreamId, _snapshotType!, aggregate.Version, state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or WorkflowStoreUnavailableException or InvalidOperationException or ArgumentException)
        {
            // A snapshot is an optimization: the append stands, and the next load folds the events.
            Log.SnapshotNotStored(_store.Logger, ex, _snapshotType!, aggregate.StreamId, aggregate.Version);
        }
    }
}

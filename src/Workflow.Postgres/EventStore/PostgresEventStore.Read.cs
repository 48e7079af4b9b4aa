using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Storage;
using Workflow.Storage;

namespace Workflow.Postgres.EventStore;

public sealed partial class PostgresEventStore
{
    /// <summary>Reads events of a stream, upcast to their newest types.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read (inclusive). Reading backward from <see cref="long.MaxValue"/>
    /// starts at the newest event.</param>
    /// <param name="direction">The direction to read in.</param>
    /// <param name="maxCount">The most events to return.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The events, in the order read; empty when the stream does not exist or has none in range.</returns>
    /// <remarks>Event data and metadata come back as the same JSON values, normalized by jsonb (whitespace and key
    /// order).</remarks>
    /// <exception cref="InvalidOperationException">An upcaster failed on an event.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<IReadOnlyList<StoredEvent>> ReadStreamAsync(
        string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken = default)
    {
        StreamReadArguments.Validate(streamId, fromVersion, direction, maxCount, nameof(streamId));

        return ExecuteAsync(
            "reading a stream",
            (StreamId: streamId, FromVersion: fromVersion, Direction: direction, MaxCount: maxCount),
            static (store, args, ct) => store.ExecuteReadStreamAsync(args.StreamId, args.FromVersion, args.Direction, args.MaxCount, ct),
            cancellationToken);
    }

    /// <summary>
    /// Reads events of every stream in the store's global order, after a position, upcast to their newest types. The
    /// order never skips an event committed late by a concurrent transaction: the read stops before the oldest
    /// transaction still in flight, and continues past it once it has committed or rolled back.
    /// </summary>
    /// <param name="after">The position to read after: <see cref="EventStorePosition.Start"/>, or the
    /// <see cref="StoredEvent.Position"/> of the last event read.</param>
    /// <param name="maxCount">The most events to return.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The events after <paramref name="after"/>, in the global order; fewer than <paramref name="maxCount"/>
    /// (even none) when the read reached the end or an event still in flight.</returns>
    /// <remarks>
    /// The order is that of the writing transactions' ids (<c>xid8</c>), then of insertion, not of commits; it is the same
    /// for every reader. A transaction left open anywhere in the PostgreSQL cluster holds every reader back until it ends:
    /// keep transactions short, set <c>idle_in_transaction_session_timeout</c>, and watch the subscription lag metric.
    /// </remarks>
    /// <exception cref="InvalidOperationException">An upcaster failed on an event.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<IReadOnlyList<StoredEvent>> ReadAllAsync(EventStorePosition after, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var page = await ReadAllRawAsync(after, maxCount, cancellationToken).ConfigureAwait(false);
        if (_upcasting.IsEmpty)
        {
            return page;
        }

        var upcast = new StoredEvent[page.Count];
        for (var i = 0; i < upcast.Length; i++)
        {
            upcast[i] = _upcasting.Apply(page[i]);
        }

        return upcast;
    }

    /// <summary>A page of the global order as stored (subscriptions upcast each event inside their failure policy).</summary>
    internal ValueTask<IReadOnlyList<StoredEvent>> ReadAllRawAsync(EventStorePosition after, int maxCount, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "reading all events",
            (After: after, MaxCount: maxCount),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.ReadAll, connection);
                command.Parameters.Add(new NpgsqlParameter<ulong> { TypedValue = args.After.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = args.After.Sequence, NpgsqlDbType = NpgsqlDbType.Bigint });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = args.MaxCount, NpgsqlDbType = NpgsqlDbType.Bigint });
                await command.PrepareAsync(ct).ConfigureAwait(false);
                return await ReadEventsAsync(command, args.MaxCount, upcasting: null, ct).ConfigureAwait(false);
            },
            cancellationToken);

    internal EventUpcasting Upcasting => _upcasting;

    private async ValueTask<IReadOnlyList<StoredEvent>> ExecuteReadStreamAsync(
        string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
    {
        if (!PostgresWorkflowStore.IsStorableId(streamId))
        {
            return [];
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(direction == ReadDirection.Forward ? _sql.ReadStreamForward : _sql.ReadStreamBackward, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromVersion, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxCount, NpgsqlDbType = NpgsqlDbType.Bigint });
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        return await ReadEventsAsync(command, maxCount, _upcasting, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<IReadOnlyList<StoredEvent>> ReadEventsAsync(
        NpgsqlCommand command, int maxCount, EventUpcasting? upcasting, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var events = new List<StoredEvent>(Math.Min(maxCount, 64));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var stored = ReadEvent(reader);
            events.Add(upcasting is null ? stored : upcasting.Apply(stored));
        }

        return events;
    }

    // The reader is not sequential: the row is buffered, so these calls never block on I/O. Columns as in EventStoreSql.
    private static StoredEvent ReadEvent(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1),
        new EventStorePosition(reader.GetFieldValue<ulong>(2), reader.GetInt64(3)),
        reader.GetGuid(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? ReadOnlyMemory<byte>.Empty : reader.GetFieldValue<byte[]>(6),
        reader.IsDBNull(7) ? ReadOnlyMemory<byte>.Empty : reader.GetFieldValue<byte[]>(7),
        PostgresWorkflowStore.ToOffset(reader.GetDateTime(8)));
}

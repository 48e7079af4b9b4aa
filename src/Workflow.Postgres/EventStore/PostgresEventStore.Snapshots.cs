using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.EventStore;

public sealed partial class PostgresEventStore
{
    // Snapshot types key a unique index with the stream id: kept short.
    private const int MaxSnapshotTypeLength = 200;

    /// <summary>Stores a snapshot of a stream: the state folded from its events up to <paramref name="version"/>. The
    /// store keeps the latest snapshot per stream and snapshot type, and never replaces it with an earlier one.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="snapshotType">The name (and version) of the state's shape, for example <c>order-state.v2</c>: change it
    /// when the shape changes, and snapshots of the old shape are no longer loaded.</param>
    /// <param name="version">The version of the stream's last event folded into the state; the stream must have reached it.</param>
    /// <param name="state">The state as UTF-8 JSON.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when the snapshot was stored; <see langword="false"/> when one at a later version is
    /// already there (it is kept).</returns>
    /// <remarks><see cref="AggregateRepository{TState}"/> stores and loads snapshots for you.</remarks>
    /// <exception cref="ArgumentException">The state is empty or not JSON, or the stream has not reached
    /// <paramref name="version"/> (a snapshot cannot be ahead of its stream); nothing was stored.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<bool> StoreSnapshotAsync(
        string streamId, string snapshotType, long version, ReadOnlyMemory<byte> state, CancellationToken cancellationToken = default)
    {
        RequireStreamId(streamId, nameof(streamId));
        RequireSnapshotType(snapshotType, nameof(snapshotType));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        if (state.IsEmpty)
        {
            throw new ArgumentException($"The snapshot of stream '{streamId}' at version {version} is empty; a snapshot holds the state as a JSON document.", nameof(state));
        }

        var (streamVersion, stored) = await ExecuteAsync(
            "storing a snapshot",
            (StreamId: streamId, Type: snapshotType, Version: version, State: state),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.StoreSnapshot, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.StreamId, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.Type, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = args.Version, NpgsqlDbType = NpgsqlDbType.Bigint });
                command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = args.State, NpgsqlDbType = NpgsqlDbType.Jsonb });
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                await reader.ReadAsync(ct).ConfigureAwait(false);
                return (StreamVersion: await reader.IsDBNullAsync(0, ct).ConfigureAwait(false) ? (long?)null : reader.GetInt64(0), Stored: reader.GetInt64(1) > 0);
            },
            cancellationToken).ConfigureAwait(false);

        if (streamVersion is null || streamVersion < version)
        {
            throw new ArgumentException(
                streamVersion is null
                    ? $"Stream '{streamId}' has no events, so it has no state at version {version} to snapshot."
                    : $"Stream '{streamId}' is at version {streamVersion}; a snapshot at version {version} would be ahead of it.",
                nameof(version));
        }

        return stored;
    }

    /// <summary>Loads the latest snapshot of a stream of a snapshot type.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="snapshotType">The snapshot type the snapshot was stored with.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The snapshot, or <see langword="null"/> when the stream has none of that type.</returns>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<StoredSnapshot?> LoadSnapshotAsync(string streamId, string snapshotType, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentException.ThrowIfNullOrEmpty(snapshotType);
        return ExecuteAsync(
            "loading a snapshot",
            (StreamId: streamId, Type: snapshotType),
            static async (store, args, ct) =>
            {
                if (!PostgresWorkflowStore.IsStorableId(args.StreamId) || args.Type.Contains('\0', StringComparison.Ordinal))
                {
                    return null;
                }

                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.LoadSnapshot, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.StreamId, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.Type, NpgsqlDbType = NpgsqlDbType.Text });
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }

                return new StoredSnapshot(
                    args.StreamId, args.Type, reader.GetInt64(0), await reader.GetFieldValueAsync<byte[]>(1, ct).ConfigureAwait(false), PostgresWorkflowStore.ToOffset(reader.GetDateTime(2)));
            },
            cancellationToken);
    }

    internal static void RequireSnapshotType(string snapshotType, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(snapshotType, paramName);
        PostgresWorkflowStore.RequireText(snapshotType, "The snapshot type", paramName);
        if (snapshotType.Length > MaxSnapshotTypeLength)
        {
            throw new ArgumentException($"The snapshot type is {snapshotType.Length} characters long; use at most {MaxSnapshotTypeLength}, for example 'order-state.v2'.", paramName);
        }
    }
}

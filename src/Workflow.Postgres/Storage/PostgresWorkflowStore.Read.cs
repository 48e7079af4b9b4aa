using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;
using Workflow.Storage;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    /// <inheritdoc />
    /// <remarks>Event data and metadata come back as the same JSON values, normalized by jsonb (whitespace and key
    /// order). <see cref="RecordedEvent.Position"/> is unique and grows with insertion, but is neither contiguous nor
    /// in commit order across streams.</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<IReadOnlyList<RecordedEvent>> ReadStreamAsync(
        string instanceId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken = default)
    {
        StreamReadArguments.Validate(instanceId, fromVersion, direction, maxCount, nameof(instanceId));

        return ExecuteAsync(
            "reading a stream",
            (InstanceId: instanceId, FromVersion: fromVersion, Direction: direction, MaxCount: maxCount),
            static (store, args, ct) => store.ExecuteReadAsync(args.InstanceId, args.FromVersion, args.Direction, args.MaxCount, ct),
            cancellationToken);
    }

    private async ValueTask<IReadOnlyList<RecordedEvent>> ExecuteReadAsync(
        string instanceId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken)
    {
        if (!IsStorableId(instanceId))
        {
            return [];
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(direction == ReadDirection.Forward ? _sql.ReadForward : _sql.ReadBackward, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instanceId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromVersion, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxCount, NpgsqlDbType = NpgsqlDbType.Bigint });
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var events = new List<RecordedEvent>(Math.Min(maxCount, 64));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(ReadEvent(reader, instanceId));
        }

        return events;
    }

    // The reader is not sequential: the row is buffered, so these calls never block on I/O.
    private static RecordedEvent ReadEvent(NpgsqlDataReader reader, string instanceId) => new(
        instanceId,
        reader.GetInt64(0),
        reader.GetInt64(1),
        reader.GetGuid(2),
        reader.GetString(3),
        reader.IsDBNull(4) ? ReadOnlyMemory<byte>.Empty : reader.GetFieldValue<byte[]>(4),
        reader.IsDBNull(5) ? ReadOnlyMemory<byte>.Empty : reader.GetFieldValue<byte[]>(5),
        ToOffset(reader.GetDateTime(6)));
}

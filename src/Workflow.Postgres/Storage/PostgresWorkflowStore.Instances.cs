using Npgsql;
using NpgsqlTypes;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    /// <inheritdoc />
    /// <remarks>Timestamps are stored with the microsecond precision of PostgreSQL.</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<WorkflowInstanceInfo?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return ExecuteAsync("reading an instance", instanceId, static (store, id, ct) => store.ExecuteGetInstanceAsync(id, ct), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Newest first, ties broken by instance id (ordinal, descending); continuation tokens are keyset positions,
    /// so pages have no gap and no duplicate while instances are added.</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<WorkflowInstancePage> QueryInstancesAsync(WorkflowInstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = ContinuationToken.Parse(query.ContinuationToken, nameof(query));
        if (query.WorkflowName is { } name && name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The workflow name to match contains a NUL character, which PostgreSQL text cannot store.", nameof(query));
        }

        return ExecuteAsync(
            "querying instances",
            (Query: query.Clone(), After: after),
            static (store, args, ct) => store.ExecuteQueryAsync(args.Query, args.After, ct),
            cancellationToken);
    }

    private async ValueTask<WorkflowInstanceInfo?> ExecuteGetInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (!IsStorableId(instanceId))
        {
            return null;
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_sql.GetInstance, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instanceId, NpgsqlDbType = NpgsqlDbType.Text });
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadInstance(reader) : null;
    }

    private async ValueTask<WorkflowInstancePage> ExecuteQueryAsync(WorkflowInstanceQuery query, ContinuationToken? after, CancellationToken cancellationToken)
    {
        var sql = _sql.QueryInstances(query.WorkflowName is not null, query.Status is not null, query.CreatedFrom is not null, query.CreatedBefore is not null, after is not null);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(sql, connection);
        if (query.WorkflowName is { } name)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name, NpgsqlDbType = NpgsqlDbType.Text });
        }

        if (query.Status is { } status)
        {
            command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = (short)status, NpgsqlDbType = NpgsqlDbType.Smallint });
        }

        if (query.CreatedFrom is { } from)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }

        if (query.CreatedBefore is { } before)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = before.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }

        if (after is { } position)
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = position.CreatedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = position.InstanceId, NpgsqlDbType = NpgsqlDbType.Text });
        }

        // One more than the page: whether it is there says whether another page follows.
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.PageSize + 1, NpgsqlDbType = NpgsqlDbType.Integer });
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var instances = new List<WorkflowInstanceInfo>(Math.Min(query.PageSize + 1, 128));
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            instances.Add(ReadInstance(reader));
        }

        string? token = null;
        if (instances.Count > query.PageSize)
        {
            instances.RemoveAt(instances.Count - 1);
            var last = instances[^1];
            token = new ContinuationToken(last.CreatedAt, last.InstanceId).ToString();
        }

        return new WorkflowInstancePage(instances, token);
    }

    private static WorkflowInstanceInfo ReadInstance(NpgsqlDataReader reader) => new()
    {
        InstanceId = reader.GetString(0),
        WorkflowName = reader.GetString(1),
        WorkflowVersion = reader.IsDBNull(2) ? 0 : reader.GetInt32(2),
        Status = reader.IsDBNull(3) ? default : (WorkflowStatus)reader.GetInt16(3),
        CreatedAt = reader.IsDBNull(4) ? default : ToOffset(reader.GetDateTime(4)),
        UpdatedAt = reader.IsDBNull(5) ? default : ToOffset(reader.GetDateTime(5)),
        CompletedAt = reader.IsDBNull(6) ? null : ToOffset(reader.GetDateTime(6)),
    };
}

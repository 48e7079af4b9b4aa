using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Operations;
using Workflow.Postgres.Schema;
using Workflow.Storage;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    private OperationsSql? _operationsSql;

    private OperationsSql OpsSql => _operationsSql ??= new OperationsSql(_sql.Schema);

    /// <summary>
    /// Removes ended instances (completed, failed, canceled or terminated) that ended before a point in time: their
    /// journal, index entry and approvals, in batches of one transaction each. Instances with work still scheduled are
    /// kept for a later pass. Run it from one node on a schedule, or register
    /// <see cref="Microsoft.Extensions.DependencyInjection.PostgresOperationsWorkflowBuilderExtensions.AddPostgresRetention"/>
    /// to do so.
    /// </summary>
    /// <param name="endedBefore">Instances that ended before this time are removed (compared with the end time the
    /// runtime recorded on its clock).</param>
    /// <param name="options">Which instances and how, or <see langword="null"/> for every workflow without archiving.</param>
    /// <param name="cancellationToken">A token to cancel the purge; batches already removed stay removed.</param>
    /// <returns>The number of instances removed.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<long> PurgeEndedInstancesAsync(
        DateTimeOffset endedBefore, InstancePurgeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = options?.Clone() ?? new InstancePurgeOptions();
        options.Validate(nameof(options));
        long purged = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidates = await ExecuteAsync(
                "finding ended instances to purge",
                (EndedBefore: endedBefore, Options: options),
                static (store, args, ct) => store.ExecutePurgeCandidatesAsync(args.EndedBefore, args.Options, ct),
                cancellationToken).ConfigureAwait(false);
            if (candidates.Count == 0)
            {
                break;
            }

            if (options.Archive is { } archive)
            {
                foreach (var instance in candidates)
                {
                    var events = await ReadJournalAsync(instance.InstanceId, cancellationToken).ConfigureAwait(false);
                    await archive(new ArchivedInstance(instance, events), cancellationToken).ConfigureAwait(false);
                }
            }

            var ids = candidates.Select(static c => c.InstanceId).ToArray();
            purged += await ExecuteAsync(
                "purging ended instances",
                (Ids: ids, EndedBefore: endedBefore),
                static (store, args, ct) => store.ExecutePurgeAsync(args.Ids, args.EndedBefore, ct),
                cancellationToken).ConfigureAwait(false);
            if (candidates.Count < options.BatchSize)
            {
                break;
            }
        }

        if (purged > 0)
        {
            Log.InstancesPurged(_logger, purged, endedBefore);
        }

        return purged;
    }

    /// <summary>Lists work parked as dead (see <see cref="PostgresWorkflowStoreOptions.MaxExpiredLeases"/>), oldest first.</summary>
    /// <param name="limit">The most items to return, between 1 and 1,000.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The dead work items.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is out of range.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<IReadOnlyList<DeadWorkItem>> GetDeadWorkItemsAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        return ExecuteAsync("listing dead work", limit, static (store, limit, ct) => store.ExecuteDeadWorkItemsAsync(limit, ct), cancellationToken);
    }

    /// <summary>Puts an instance's dead work back in the queue, due now, with its count of expired leases reset: retry it
    /// once the cause (a bug fixed in a new deployment, a dependency back up) is gone.</summary>
    /// <param name="instanceId">The instance whose work is dead.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> when dead work was put back; <see langword="false"/> when the instance has none.</returns>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask<bool> RetryDeadWorkItemAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (!IsStorableId(instanceId))
        {
            return false;
        }

        var retried = await ExecuteAsync(
            "retrying dead work", instanceId, static (store, id, ct) => store.ExecuteRetryDeadAsync(id, ct), cancellationToken).ConfigureAwait(false);
        if (retried)
        {
            Log.WorkItemRetried(_logger, instanceId);
            _notifications.WorkScheduled();
        }

        return retried;
    }

    /// <summary>Reads the figures of the health check in one round trip.</summary>
    internal ValueTask<StoreProbe> ProbeAsync(CancellationToken cancellationToken) =>
        ExecuteAsync("checking health", 0, static (store, _, ct) => store.ExecuteProbeAsync(ct), cancellationToken);

    private async ValueTask<List<RecordedEvent>> ReadJournalAsync(string instanceId, CancellationToken cancellationToken)
    {
        const int PageSize = 1000;
        var events = new List<RecordedEvent>();
        var next = 1L;
        while (true)
        {
            var page = await ReadStreamAsync(instanceId, next, ReadDirection.Forward, PageSize, cancellationToken).ConfigureAwait(false);
            events.AddRange(page);
            if (page.Count < PageSize)
            {
                return events;
            }

            next = page[^1].Version + 1;
        }
    }

    private async ValueTask<List<WorkflowInstanceInfo>> ExecutePurgeCandidatesAsync(
        DateTimeOffset endedBefore, InstancePurgeOptions options, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(OpsSql.PurgeCandidates, connection);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = endedBefore.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)options.WorkflowName ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.BatchSize, NpgsqlDbType = NpgsqlDbType.Integer });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var instances = new List<WorkflowInstanceInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            instances.Add(ReadInstance(reader));
        }

        return instances;
    }

    private async ValueTask<long> ExecutePurgeAsync(string[] ids, DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(OpsSql.Purge, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = endedBefore.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<IReadOnlyList<DeadWorkItem>> ExecuteDeadWorkItemsAsync(int limit, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(OpsSql.DeadWorkItems, connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var items = new List<DeadWorkItem>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(ReadDeadWorkItem(reader));
        }

        return items;
    }

    private async ValueTask<bool> ExecuteRetryDeadAsync(string instanceId, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(OpsSql.RetryDead, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instanceId, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private async ValueTask<StoreProbe> ExecuteProbeAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(OpsSql.Probe, connection);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ReadProbe(reader);
    }

    private static DeadWorkItem ReadDeadWorkItem(NpgsqlDataReader reader) => new()
    {
        InstanceId = reader.GetString(0),
        WorkflowName = reader.IsDBNull(1) ? null : reader.GetString(1),
        DeadSince = ToOffset(reader.GetDateTime(2)),
        ExpiredLeases = reader.GetInt32(3),
        LastOwner = reader.IsDBNull(4) ? null : reader.GetString(4),
    };

    private static StoreProbe ReadProbe(NpgsqlDataReader reader) => new(
        reader.GetInt32(0),
        reader.GetInt64(1),
        reader.GetInt64(2),
        reader.IsDBNull(3) ? null : TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(3))));
}

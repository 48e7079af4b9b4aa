using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;
using Workflow.Storage;

namespace Workflow.Postgres.Storage;

public sealed partial class PostgresWorkflowStore
{
    /// <inheritdoc />
    /// <remarks>One statement on the database clock: due items and expired leases, locked with
    /// <c>FOR UPDATE SKIP LOCKED</c> so that nodes claiming at once take disjoint items without waiting, each claim
    /// incrementing the item's fencing token.</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<IReadOnlyList<WorkLease>> ClaimAsync(string ownerId, int maxItems, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        RequireText(ownerId, "The owner id", nameof(ownerId));
        return ClaimCoreAsync(ownerId, maxItems, leaseDuration, cancellationToken);
    }

    private async ValueTask<IReadOnlyList<WorkLease>> ClaimCoreAsync(string ownerId, int maxItems, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        using var activity = StoreInstrumentation.StartSpan(PostgresStoreTelemetry.ClaimSpan, Schema);
        var started = Stopwatch.GetTimestamp();
        var schemaTag = new KeyValuePair<string, object?>(PostgresStoreTelemetry.SchemaTag, Schema);
        try
        {
            var leases = await ExecuteAsync(
                "claiming work",
                (OwnerId: ownerId, MaxItems: maxItems, LeaseDuration: leaseDuration),
                static (store, args, ct) => store.ExecuteClaimAsync(args.OwnerId, args.MaxItems, args.LeaseDuration, ct),
                cancellationToken).ConfigureAwait(false);
            activity?.SetTag("workflow.store.claimed", leases.Count);
            if (leases.Count > 0)
            {
                StoreInstrumentation.Claimed.Add(leases.Count, schemaTag);
            }

            return leases;
        }
        catch
        {
            activity?.SetStatus(ActivityStatusCode.Error);
            throw;
        }
        finally
        {
            StoreInstrumentation.ClaimDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, schemaTag);
        }
    }

    /// <inheritdoc />
    /// <remarks>One statement for all the leases; a lease is renewed while its item is still held with its fencing
    /// token, even if it expired meanwhile and nobody claimed the item.</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<IReadOnlyList<WorkLease>> RenewAsync(IReadOnlyList<WorkLease> leases, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        foreach (var lease in leases)
        {
            ArgumentNullException.ThrowIfNull(lease, nameof(leases));
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (leases.Count == 0)
        {
            return new([]);
        }

        return ExecuteAsync(
            "renewing leases",
            (Leases: leases, LeaseDuration: leaseDuration),
            static (store, args, ct) => store.ExecuteRenewAsync(args.Leases, args.LeaseDuration, ct),
            cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<bool> ReleaseAsync(WorkLease lease, DateTimeOffset? dueAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return ExecuteAsync(
            "releasing a lease",
            (Lease: lease, DueAt: dueAt),
            static (store, args, ct) => store.ExecuteReleaseAsync(args.Lease, args.DueAt, ct),
            cancellationToken);
    }

    private async ValueTask<IReadOnlyList<WorkLease>> ExecuteClaimAsync(string ownerId, int maxItems, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_sql.Claim, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxItems, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = leaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _maxExpiredLeases, NpgsqlDbType = NpgsqlDbType.Integer });
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        List<WorkLease>? leases = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetBoolean(4))
            {
                StoreInstrumentation.Dead.Add(1, new KeyValuePair<string, object?>(PostgresStoreTelemetry.SchemaTag, Schema));
                Log.WorkItemDead(_logger, reader.GetString(1), _maxExpiredLeases, await reader.IsDBNullAsync(5, cancellationToken).ConfigureAwait(false) ? null : reader.GetString(5));
                continue;
            }

            (leases ??= []).Add(new WorkLease(reader.GetInt64(0), reader.GetString(1), ownerId, reader.GetInt64(2), ToOffset(reader.GetDateTime(3))));
        }

        return leases ?? (IReadOnlyList<WorkLease>)[];
    }

    private async ValueTask<IReadOnlyList<WorkLease>> ExecuteRenewAsync(IReadOnlyList<WorkLease> leases, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var ids = new List<long>(leases.Count);
        var instances = new List<string>(leases.Count);
        var owners = new List<string>(leases.Count);
        var tokens = new List<long>(leases.Count);
        foreach (var lease in leases)
        {
            // A lease holding NUL or an overlong id was not handed out by this store: it is not held.
            if (IsStorableId(lease.InstanceId) && !ContainsNul(lease.OwnerId))
            {
                ids.Add(lease.WorkItemId);
                instances.Add(lease.InstanceId);
                owners.Add(lease.OwnerId);
                tokens.Add(lease.FencingToken);
            }
        }

        if (ids.Count == 0)
        {
            return [];
        }

        var renewed = new Dictionary<(long Id, long Token, string Owner, string Instance), DateTimeOffset>();
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        using (var command = new NpgsqlCommand(_sql.Renew, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<List<long>> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter<List<string>> { TypedValue = instances, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<List<string>> { TypedValue = owners, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<List<long>> { TypedValue = tokens, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = leaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                renewed[(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(3), reader.GetString(4))] = ToOffset(reader.GetDateTime(2));
            }
        }

        var result = new List<WorkLease>(renewed.Count);
        foreach (var lease in leases)
        {
            if (renewed.TryGetValue((lease.WorkItemId, lease.FencingToken, lease.OwnerId, lease.InstanceId), out var expiresAt))
            {
                result.Add(lease.WithExpiry(expiresAt));
            }
        }

        return result;
    }

    private async ValueTask<bool> ExecuteReleaseAsync(WorkLease lease, DateTimeOffset? dueAt, CancellationToken cancellationToken)
    {
        if (!IsStorableId(lease.InstanceId) || ContainsNul(lease.OwnerId))
        {
            // Not a lease this store handed out.
            return false;
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlCommand(_sql.Release, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lease.WorkItemId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lease.InstanceId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lease.OwnerId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lease.FencingToken, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(Nullable(NpgsqlDbType.TimestampTz, dueAt?.UtcDateTime));
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        var released = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        if (released && (dueAt is null || dueAt <= _timeProvider.GetUtcNow()))
        {
            // Handed back for another node (a stopping node, a run that could not go on): claim it without waiting.
            _notifications.WorkScheduled();
        }

        return released;
    }

    /// <inheritdoc />
    /// <remarks>Ends on work scheduled through this store, on a notification from another store on the same schema
    /// (sent after its commit, debounced), and when the listener (re)connects, since notifications may have been
    /// missed meanwhile. With <see cref="PostgresWorkflowStoreOptions.UseNotifications"/> off, only this store's own
    /// commits end it.</remarks>
    public Task WaitForWorkAsync(CancellationToken cancellationToken) => _notifications.WaitForWorkAsync(cancellationToken);

    private static bool ContainsNul(string value) => value.Contains('\0', StringComparison.Ordinal);
}

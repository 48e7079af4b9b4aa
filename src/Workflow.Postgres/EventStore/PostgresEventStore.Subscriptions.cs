using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.EventStore;

public sealed partial class PostgresEventStore
{
    // Subscription names key the subscriptions table: kept short.
    private const int MaxSubscriptionNameLength = 200;

    /// <summary>
    /// Starts a catch-up subscription: the handler receives every event of the global order after the subscription's
    /// checkpoint (upcast to its newest type), then, once caught up, each new event as it is appended. The checkpoint is
    /// kept in the database after every batch, so a subscription of the same name resumes where the last one stopped.
    /// </summary>
    /// <param name="name">The subscription's name: consumers that subscribe with the same name compete, and only one
    /// of them (the owner of the subscription's lease) receives events at a time; when it stops or dies, another
    /// takes over from the checkpoint.</param>
    /// <param name="handler">Handles one event. Events arrive one at a time, in the global order. Throw to fail the
    /// event: it is retried with backoff (<see cref="EventSubscriptionOptions.MaxAttempts"/>) before the subscription
    /// stops.</param>
    /// <param name="options">The subscription's options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the start (not the subscription: dispose it to stop it).</param>
    /// <returns>The running subscription; dispose it to stop it and give up its lease.</returns>
    /// <remarks>
    /// Delivery is at least once: an event handled after the last saved checkpoint is handled again by the next owner
    /// when a consumer dies. Make the handler idempotent (by <see cref="StoredEvent.EventId"/>), or write a read model in
    /// PostgreSQL with <see cref="StartProjectionAsync"/>, which is exactly once. The lease is renewed in the background,
    /// also while a handler runs; should another consumer take the subscription over all the same (this process was
    /// paused or cut off from the database past the lease), the handler's token is canceled and nothing more is
    /// checkpointed.
    /// </remarks>
    /// <exception cref="ArgumentException">The name or the options are invalid; nothing was started.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<EventSubscription> SubscribeAsync(
        string name, Func<StoredEvent, CancellationToken, ValueTask> handler, EventSubscriptionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(name, handler, null, options, cancellationToken);
    }

    /// <summary>
    /// Starts a projection: a subscription whose handler writes a read model in this database, in the transaction that
    /// also moves the subscription's checkpoint. Both commit together or not at all, so each event changes the read
    /// model exactly once, whatever crashes, retries or takeovers happen.
    /// </summary>
    /// <param name="name">The projection's name (its subscription's): consumers that start the same name compete, and
    /// one at a time projects.</param>
    /// <param name="handler">Applies one event to the read model with the context's connection and transaction. Events
    /// of a batch (up to <see cref="EventSubscriptionOptions.BatchSize"/>) share one transaction. Throw to fail the
    /// event: the transaction is rolled back, the events before it are applied again and committed, and the event is
    /// retried with backoff before the projection stops.</param>
    /// <param name="options">The projection's options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">A token to cancel the start (not the projection: dispose it to stop it).</param>
    /// <returns>The running projection; dispose it to stop it and give up its lease.</returns>
    /// <exception cref="ArgumentException">The name or the options are invalid; nothing was started.</exception>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<EventSubscription> StartProjectionAsync(
        string name,
        Func<ProjectionContext, StoredEvent, CancellationToken, ValueTask> handler,
        EventSubscriptionOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(name, null, handler, options, cancellationToken);
    }

    /// <summary>Reads a subscription's checkpoint: the position of the last event it handled.</summary>
    /// <param name="name">The subscription's name.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The checkpoint, or <see langword="null"/> when no subscription of that name was ever started.</returns>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public ValueTask<EventStorePosition?> GetCheckpointAsync(string name, CancellationToken cancellationToken = default)
    {
        RequireSubscriptionName(name, nameof(name));
        return ExecuteAsync(
            "reading a subscription checkpoint",
            name,
            static async (store, n, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.GetSubscription, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = n, NpgsqlDbType = NpgsqlDbType.Text });
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                return await reader.ReadAsync(ct).ConfigureAwait(false)
                    ? new EventStorePosition(await reader.GetFieldValueAsync<ulong>(0, ct).ConfigureAwait(false), reader.GetInt64(1))
                    : (EventStorePosition?)null;
            },
            cancellationToken);
    }

    /// <summary>
    /// Moves a subscription's checkpoint, to replay events (a rebuilt projection) or to skip past an event its handler
    /// cannot handle. Its current owner loses the subscription at its next checkpoint and claims it again from the new
    /// one; a subscription that does not exist yet is created at that checkpoint.
    /// </summary>
    /// <param name="name">The subscription's name.</param>
    /// <param name="position">The new checkpoint: the subscription handles the events after it.
    /// <see cref="EventStorePosition.Start"/> replays everything.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the checkpoint is moved.</returns>
    /// <remarks>Resetting a projection does not clear its read model: clear it first (in the same database).</remarks>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    public async ValueTask ResetSubscriptionAsync(string name, EventStorePosition position, CancellationToken cancellationToken = default)
    {
        RequireSubscriptionName(name, nameof(name));
        await ExecuteAsync(
            "resetting a subscription",
            (Name: name, Position: position),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.ResetSubscription, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.Name, NpgsqlDbType = NpgsqlDbType.Text });
                AddPosition(command.Parameters, args.Position);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<EventSubscription> StartAsync(
        string name,
        Func<StoredEvent, CancellationToken, ValueTask>? handler,
        Func<ProjectionContext, StoredEvent, CancellationToken, ValueTask>? projection,
        EventSubscriptionOptions? options,
        CancellationToken cancellationToken)
    {
        RequireSubscriptionName(name, nameof(name));
        var copy = (options ?? new EventSubscriptionOptions()).Copy();
        var failures = copy.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException($"The options of subscription '{name}' are invalid: " + string.Join(" ", failures), nameof(options));
        }

        ThrowIfDisposed();

        // One read first: a subscription started against an unreachable database or schema fails here, not in the background.
        await GetCheckpointAsync(name, cancellationToken).ConfigureAwait(false);
        var subscription = new EventSubscription(this, name, copy, handler, projection, _timeProvider, _logger);
        lock (_gate)
        {
            ThrowIfDisposed();
            _subscriptions.Add(subscription);
        }

        subscription.Start();
        return subscription;
    }

    internal void Forget(EventSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>Claims the subscription's lease (creating the subscription at its start position), and returns the
    /// fencing token and the checkpoint, or <see langword="null"/> when another consumer holds it.</summary>
    internal ValueTask<(long Token, EventStorePosition Checkpoint)?> ClaimSubscriptionAsync(
        string name, string owner, TimeSpan lease, EventStorePosition start, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "claiming a subscription",
            (Name: name, Owner: owner, Lease: lease, Start: start),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.ClaimSubscription, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.Name, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = args.Owner, NpgsqlDbType = NpgsqlDbType.Text });
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = args.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
                AddPosition(command.Parameters, args.Start);
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return ((long, EventStorePosition)?)null;
                }

                var transactionId = await reader.GetFieldValueAsync<ulong>(1, ct).ConfigureAwait(false);
                return (reader.GetInt64(0), new EventStorePosition(transactionId, reader.GetInt64(2)));
            },
            cancellationToken);

    /// <summary>Extends the lease; <see langword="false"/> when the consumer no longer holds it.</summary>
    internal ValueTask<bool> RenewSubscriptionAsync(string name, string owner, long token, TimeSpan lease, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "renewing a subscription lease",
            (Name: name, Owner: owner, Token: token, Lease: lease),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.RenewSubscription, connection);
                AddOwner(command.Parameters, args.Name, args.Owner, args.Token);
                command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = args.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            },
            cancellationToken);

    /// <summary>Moves the checkpoint from <paramref name="from"/> to <paramref name="to"/> (and extends the lease);
    /// <see langword="false"/> when the consumer no longer holds the lease or the checkpoint moved meanwhile.</summary>
    internal ValueTask<bool> SaveCheckpointAsync(
        string name, string owner, long token, EventStorePosition from, EventStorePosition to, TimeSpan lease, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "saving a subscription checkpoint",
            (Name: name, Owner: owner, Token: token, From: from, To: to, Lease: lease),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = store.CreateSaveCheckpoint(connection, null, args.Name, args.Owner, args.Token, args.From, args.To, args.Lease);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            },
            cancellationToken);

    /// <summary>Gives up the lease (keeping the checkpoint).</summary>
    internal ValueTask<bool> ReleaseSubscriptionAsync(string name, string owner, long token, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "releasing a subscription lease",
            (Name: name, Owner: owner, Token: token),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.ReleaseSubscription, connection);
                AddOwner(command.Parameters, args.Name, args.Owner, args.Token);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            },
            cancellationToken);

    /// <summary>Whether committed events follow <paramref name="after"/> that the global order still holds back behind
    /// a transaction in flight.</summary>
    internal ValueTask<bool> IsHeldBackAsync(EventStorePosition after, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "looking for events held back",
            after,
            static async (store, position, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.HeldBack, connection);
                AddPosition(command.Parameters, position);
                return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
            },
            cancellationToken);

    /// <summary>Committed events after <paramref name="after"/> (capped) and the age of the oldest, in seconds.</summary>
    internal ValueTask<(long Count, double AgeSeconds)> ReadLagAsync(EventStorePosition after, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "measuring a subscription's lag",
            after,
            static async (store, position, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                using var command = new NpgsqlCommand(store._sql.Lag, connection);
                AddPosition(command.Parameters, position);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = EventStoreInstrumentation.LagCap, NpgsqlDbType = NpgsqlDbType.Bigint });
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                await reader.ReadAsync(ct).ConfigureAwait(false);
                return (reader.GetInt64(0), reader.GetDouble(1));
            },
            cancellationToken);

    /// <summary>
    /// Applies <paramref name="events"/> to a projection in one transaction with the checkpoint. Returns the number of
    /// events committed: all of them, or <see langword="null"/> when the lease was lost or the checkpoint moved (nothing
    /// committed), or the index of the event the handler failed on with its exception (nothing committed).
    /// </summary>
    internal ValueTask<ProjectionOutcome> ProjectAsync(
        string name,
        string owner,
        long token,
        EventStorePosition from,
        IReadOnlyList<StoredEvent> events,
        int count,
        TimeSpan lease,
        Func<ProjectionContext, StoredEvent, CancellationToken, ValueTask> handler,
        CancellationToken cancellationToken) =>
        ExecuteAsync(
            "projecting events",
            (Name: name, Owner: owner, Token: token, From: from, Events: events, Count: count, Lease: lease, Handler: handler),
            static async (store, args, ct) =>
            {
                var connection = await store._dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                var context = new ProjectionContext(args.Name, connection, transaction);
                for (var i = 0; i < args.Count; i++)
                {
                    try
                    {
                        await args.Handler(context, store._upcasting.Apply(args.Events[i]), ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
                    {
                        await TryRollbackAsync(transaction).ConfigureAwait(false);
                        return new ProjectionOutcome(i, ex);
                    }
                }

                using (var save = store.CreateSaveCheckpoint(
                    connection, transaction, args.Name, args.Owner, args.Token, args.From, args.Events[args.Count - 1].Position, args.Lease))
                {
                    if (await save.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
                    {
                        await TryRollbackAsync(transaction).ConfigureAwait(false);
                        return ProjectionOutcome.LeaseLost;
                    }
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return new ProjectionOutcome(args.Count, null);
            },
            cancellationToken);

    private static async ValueTask TryRollbackAsync(NpgsqlTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // A broken connection rolls back on its own; the pool never reuses it.
        }
    }

    private NpgsqlCommand CreateSaveCheckpoint(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string name,
        string owner,
        long token,
        EventStorePosition from,
        EventStorePosition to,
        TimeSpan lease)
    {
        var command = new NpgsqlCommand(_sql.SaveCheckpoint, connection, transaction);
        AddOwner(command.Parameters, name, owner, token);
        AddPosition(command.Parameters, to);
        AddPosition(command.Parameters, from);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        return command;
    }

    private static void AddOwner(NpgsqlParameterCollection parameters, string name, string owner, long token)
    {
        parameters.Add(new NpgsqlParameter<string> { TypedValue = name, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = owner, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = token, NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    private static void AddPosition(NpgsqlParameterCollection parameters, EventStorePosition position)
    {
        parameters.Add(new NpgsqlParameter<ulong> { TypedValue = position.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = position.Sequence, NpgsqlDbType = NpgsqlDbType.Bigint });
    }

    private static void RequireSubscriptionName(string name, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, paramName);
        PostgresWorkflowStore.RequireText(name, "The subscription name", paramName);
        if (name.Length > MaxSubscriptionNameLength)
        {
            throw new ArgumentException($"The subscription name is {name.Length} characters long; use at most {MaxSubscriptionNameLength}, for example 'orders-read-model'.", paramName);
        }
    }

    /// <summary>What a projection transaction did: <see cref="Applied"/> events committed, or the handler failed on the
    /// event at <see cref="Applied"/> (nothing committed), or the lease was lost (<see cref="Applied"/> is -1).</summary>
    internal readonly record struct ProjectionOutcome(int Applied, Exception? Failure)
    {
        public static ProjectionOutcome LeaseLost => new(-1, null);

        public bool IsLeaseLost => Applied < 0;
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Schema;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// A general-purpose event store on PostgreSQL, for event-sourced services of your own: append to streams with
/// optimistic concurrency and idempotent retries, read a stream forward or backward, read every event in one global
/// order, follow it with catch-up subscriptions (durable checkpoints, one active consumer among competitors) and
/// projections updated exactly once, snapshots and aggregates, and upcasting of old event types.
/// </summary>
/// <remarks>
/// <para>
/// It keeps its events in the same <c>streams</c> and <c>events</c> tables as <see cref="PostgresWorkflowStore"/>: on a
/// schema shared with a workflow store, the workflow journals are streams of this store too. Every table lives in one
/// schema (<see cref="PostgresEventStoreOptions.Schema"/>), created or upgraded the first time the store is used, so
/// each service can keep its events in a schema of its own.
/// </para>
/// <para>
/// Transient failures (broken connections, serialization failures, deadlocks) are retried, and a retried append never
/// writes twice: appends are idempotent by event id. When the database stays unreachable, operations throw
/// <see cref="Exceptions.WorkflowStoreUnavailableException"/>; no Npgsql exception leaves the store.
/// </para>
/// <para>The store is thread-safe. Create one per database and schema and share it; dispose it to stop its
/// subscriptions and its notification listener, and to dispose the data source it built from a connection string.</para>
/// </remarks>
public sealed partial class PostgresEventStore : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly StoreSql _storeSql;
    private readonly EventStoreSql _sql;
    private readonly StoreExecutor _executor;
    private readonly StreamNotifications _notifications;
    private readonly EventUpcasting _upcasting;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<EventSubscription> _subscriptions = [];
    private readonly CommitBatcher? _batcher;
    private int _disposed;

    /// <summary>Initializes a store on a data source that the caller owns (and disposes after the store).</summary>
    /// <param name="dataSource">The data source of the database.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/> for no logging.</param>
    /// <param name="timeProvider">The clock that paces subscriptions' polling and handler retries, or
    /// <see langword="null"/> for <see cref="TimeProvider.System"/>. Leases use the database clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid, for example the schema name is not a plain identifier
    /// or two upcasters read the same old type. Nothing has been sent to the database.</exception>
    public PostgresEventStore(
        NpgsqlDataSource dataSource, PostgresEventStoreOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), null, options, loggerFactory, timeProvider)
    {
    }

    /// <summary>Initializes a store on a connection string; the store builds its data source and disposes it.</summary>
    /// <param name="connectionString">The Npgsql connection string of the database.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">The logger factory (also given to Npgsql), or <see langword="null"/> for no logging.</param>
    /// <param name="timeProvider">The clock that paces subscriptions' polling and handler retries, or
    /// <see langword="null"/> for <see cref="TimeProvider.System"/>. Leases use the database clock.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or malformed, or the options are
    /// invalid. Nothing has been sent to the database.</exception>
    public PostgresEventStore(
        string connectionString, PostgresEventStoreOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(null, connectionString ?? throw new ArgumentNullException(nameof(connectionString)), options, loggerFactory, timeProvider)
    {
    }

    private PostgresEventStore(
        NpgsqlDataSource? dataSource, string? connectionString, PostgresEventStoreOptions? options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        // Options first: a bad schema name must fail before anything is built, let alone sent.
        options ??= new PostgresEventStoreOptions();
        var failures = options.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("The PostgreSQL event store options are invalid: " + string.Join(" ", failures), nameof(options));
        }

        var schema = SchemaName.Create(options.Schema, nameof(options));
        loggerFactory ??= NullLoggerFactory.Instance;
        timeProvider ??= TimeProvider.System;
        if (dataSource is null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
            dataSource = StoreExecutor.BuildDataSource(connectionString, "events-" + schema.Name, loggerFactory);
            _ownsDataSource = true;
        }

        _dataSource = dataSource;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(Log.Category);
        _storeSql = new StoreSql(schema);
        _sql = new EventStoreSql(schema);
        _executor = new StoreExecutor(dataSource, schema, StoreKind.Events, options.AutoMigrate, options.MaxRetryAttempts, _logger);
        _notifications = new StreamNotifications(
            dataSource, _storeSql, options.UseNotifications && !_executor.IsMultiplexing, options.NotificationDebounce, timeProvider, _logger);
        _upcasting = EventUpcasting.Create([.. options.Upcasters]);
        _batcher = options.BatchAppends ? new CommitBatcher(AppendAloneAsync, AppendBatchAsync) : null;
    }

    /// <summary>Gets the name of the schema that holds the store's tables.</summary>
    public string Schema => _executor.Schema.Name;

    /// <summary>Gets the number of transactions that carried more than one append, for tests.</summary>
    internal long SharedAppendBatches => _batcher?.SharedBatches ?? 0;

    /// <summary>Gets the notifications (subscriptions wait on them).</summary>
    internal StreamNotifications Notifications => _notifications;

    /// <summary>Gets the store's logger.</summary>
    internal ILogger Logger => _logger;

    /// <summary>
    /// Creates the store's schema, or upgrades it to this version of the package, now instead of on first use: from a
    /// deployment step when <see cref="PostgresEventStoreOptions.AutoMigrate"/> is off, or at startup to fail fast.
    /// Safe to run from many processes at once and again: migrations are serialized by an advisory lock and applied once.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the schema is up to date.</returns>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The database user may not create the schema or its tables.</exception>
    public async ValueTask MigrateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _executor.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the store's subscriptions (each saves its checkpoint and gives up its lease), its notification
    /// listener and sender, and disposes the data source if the store built it.</summary>
    /// <returns>A task that completes when the store is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        EventSubscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        await _notifications.DisposeAsync().ConfigureAwait(false);
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Runs one operation: makes sure the schema is there, retries transient failures and translates what
    /// remains into the store's exceptions.</summary>
    private ValueTask<TResult> ExecuteAsync<TState, TResult>(
        string operation, TState state, Func<PostgresEventStore, TState, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _executor.ExecuteAsync(
            operation,
            (Store: this, State: state, Action: action),
            static (args, ct) => args.Action(args.Store, args.State, ct),
            ensureSchema: true,
            cancellationToken);
    }
}

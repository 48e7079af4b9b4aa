using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Schema;
using Workflow.Storage;

namespace Workflow.Postgres.Storage;

/// <summary>
/// A durable <see cref="IWorkflowStore"/> on PostgreSQL: the same runtime that runs on the in-memory store runs on it, and
/// any number of processes can share one database (each claims work with leases and fencing tokens).
/// </summary>
/// <remarks>
/// <para>
/// Every table lives in one schema (<see cref="PostgresWorkflowStoreOptions.Schema"/>), created or upgraded the first
/// time the store is used. Each commit is one round trip and one transaction; <see cref="CommitManyAsync"/> sends many
/// commits in one. Due times and lease expiries are compared with the database clock (<c>now()</c>); the
/// <see cref="TimeProvider"/> only paces the polling of stream watches.
/// </para>
/// <para>
/// Transient failures (broken connections, serialization failures, deadlocks) are retried, and a retried commit never
/// writes twice: appends are idempotent by event id. When the database stays unreachable, operations throw
/// <see cref="Exceptions.WorkflowStoreUnavailableException"/>; no Npgsql exception leaves the store.
/// </para>
/// <para>The store is thread-safe. Create one per database and schema and share it; dispose it (preferably with
/// <see cref="DisposeAsync"/>) to stop its background listener and to dispose the data source it built from a connection
/// string.</para>
/// </remarks>
public sealed partial class PostgresWorkflowStore : IWorkflowStore, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly StoreSql _sql;
    private readonly StoreExecutor _executor;
    private readonly StreamNotifications _notifications;

    // The host's clock: due times the runtime asks for are on it (the database compares them with now()).
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly TimeSpan _watchPollInterval;
    private readonly int _maxExpiredLeases;

    // Group commit of concurrent CommitAsync calls, or null when the options turn it off.
    private readonly CommitBatcher? _batcher;
    private int _disposed;

    /// <summary>Initializes a store on a data source that the caller owns (and disposes after the store).</summary>
    /// <param name="dataSource">The data source of the database.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/> for no logging.</param>
    /// <param name="timeProvider">The clock of the watches' poll interval, or <see langword="null"/> for
    /// <see cref="TimeProvider.System"/>. Due times and leases use the database clock; retries, debouncing and reconnects
    /// use the system clock, so a paused test clock never stalls them.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are invalid, for example the schema name is not a plain identifier.
    /// Nothing has been sent to the database.</exception>
    public PostgresWorkflowStore(
        NpgsqlDataSource dataSource, PostgresWorkflowStoreOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(dataSource ?? throw new ArgumentNullException(nameof(dataSource)), null, options, loggerFactory, timeProvider)
    {
    }

    /// <summary>Initializes a store on a connection string; the store builds its data source and disposes it.</summary>
    /// <param name="connectionString">The Npgsql connection string of the database.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">The logger factory (also given to Npgsql), or <see langword="null"/> for no logging.</param>
    /// <param name="timeProvider">The clock of the watches' poll interval, or <see langword="null"/> for
    /// <see cref="TimeProvider.System"/>. Due times and leases use the database clock; retries, debouncing and reconnects
    /// use the system clock, so a paused test clock never stalls them.</param>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or malformed, or the options are
    /// invalid. Nothing has been sent to the database.</exception>
    public PostgresWorkflowStore(
        string connectionString, PostgresWorkflowStoreOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(null, connectionString ?? throw new ArgumentNullException(nameof(connectionString)), options, loggerFactory, timeProvider)
    {
    }

    private PostgresWorkflowStore(
        NpgsqlDataSource? dataSource, string? connectionString, PostgresWorkflowStoreOptions? options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        // Options first: a bad schema name must fail before anything is built, let alone sent.
        options ??= new PostgresWorkflowStoreOptions();
        var failures = options.Validate();
        if (failures.Count > 0)
        {
            throw new ArgumentException("The PostgreSQL workflow store options are invalid: " + string.Join(" ", failures), nameof(options));
        }

        var schema = SchemaName.Create(options.Schema, nameof(options));
        loggerFactory ??= NullLoggerFactory.Instance;
        timeProvider ??= TimeProvider.System;
        if (dataSource is null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
            dataSource = StoreExecutor.BuildDataSource(connectionString, "workflow-" + schema.Name, loggerFactory);
            _ownsDataSource = true;
        }

        _dataSource = dataSource;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(Log.Category);
        _sql = new StoreSql(schema);
        _executor = new StoreExecutor(dataSource, schema, StoreKind.Workflow, options.AutoMigrate, options.MaxRetryAttempts, _logger);
        _notifications = new StreamNotifications(
            dataSource, _sql, options.UseNotifications && !_executor.IsMultiplexing, options.NotificationDebounce, timeProvider, _logger);
        _watchPollInterval = options.WatchPollInterval;
        _maxExpiredLeases = options.MaxExpiredLeases;
        _batcher = options.BatchCommits ? new CommitBatcher(CommitAloneAsync, CommitBatchAsync) : null;
    }

    /// <summary>Gets the name of the schema that holds the store's tables.</summary>
    public string Schema => _sql.Schema.Name;

    /// <summary>Gets the number of transactions that carried more than one commit, for tests.</summary>
    internal long SharedCommitBatches => _batcher?.SharedBatches ?? 0;

    /// <summary>Gets the stream notifications, for tests.</summary>
    internal StreamNotifications Notifications => _notifications;

    /// <summary>
    /// Creates the store's schema, or upgrades it to this version of the package, now instead of on first use: from a
    /// deployment step when <see cref="PostgresWorkflowStoreOptions.AutoMigrate"/> is off, or at startup to fail fast.
    /// Safe to run from many nodes at once and again: migrations are serialized by an advisory lock and applied once.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the schema is up to date.</returns>
    /// <exception cref="Exceptions.WorkflowStoreUnavailableException">The database cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The database user may not create the schema or its tables.</exception>
    public async ValueTask MigrateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _executor.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the store's notification listener and sender, and disposes the data source if the store built it.</summary>
    /// <returns>A task that completes when the store is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _notifications.DisposeAsync().ConfigureAwait(false);
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the store's notification listener and sender without waiting for them, and disposes the data source
    /// if the store built it. Prefer <see cref="DisposeAsync"/>, which waits until the listener has closed its connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _notifications.Dispose();
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    /// <summary>Runs one operation: makes sure the schema is there, retries transient failures and translates what
    /// remains into the store's exceptions.</summary>
    private ValueTask<TResult> ExecuteAsync<TState, TResult>(
        string operation, TState state, Func<PostgresWorkflowStore, TState, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _executor.ExecuteAsync(
            operation,
            (Store: this, State: state, Action: action),
            static (args, ct) => args.Action(args.Store, args.State, ct),
            ensureSchema: true,
            cancellationToken);
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly;
using Polly.Retry;
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
    private readonly SchemaMigrator _migrator;
    private readonly StreamNotifications _notifications;

    // The host's clock: due times the runtime asks for are on it (the database compares them with now()).
    private readonly TimeProvider _timeProvider;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly bool _autoMigrate;
    private readonly TimeSpan _watchPollInterval;
    private readonly string _endpoint;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;
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
            var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = "workflow-" + schema.Name };
            builder.UseLoggerFactory(loggerFactory);
            dataSource = builder.Build();
            _ownsDataSource = true;
        }

        _dataSource = dataSource;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger(Log.Category);
        _sql = new StoreSql(schema);
        _migrator = new SchemaMigrator(dataSource, schema, _logger);
        _notifications = new StreamNotifications(
            dataSource, _sql, options.UseNotifications && !IsMultiplexing(dataSource), options.NotificationDebounce, timeProvider, _logger);
        _autoMigrate = options.AutoMigrate;
        _watchPollInterval = options.WatchPollInterval;
        _endpoint = DescribeEndpoint(dataSource);
        _pipeline = BuildPipeline(options.MaxRetryAttempts);
    }

    /// <summary>Gets the name of the schema that holds the store's tables.</summary>
    public string Schema => _sql.Schema.Name;

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
        await ExecuteAsync(
            "migrating the schema",
            0,
            static async (store, _, ct) =>
            {
                await store._schemaGate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await store._migrator.EnsureAsync(migrate: true, ct).ConfigureAwait(false);
                    store._schemaReady = true;
                }
                finally
                {
                    store._schemaGate.Release();
                }

                return 0;
            },
            ensureSchema: false,
            cancellationToken).ConfigureAwait(false);
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
        string operation, TState state, Func<PostgresWorkflowStore, TState, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken) =>
        ExecuteAsync(operation, state, action, ensureSchema: true, cancellationToken);

    private async ValueTask<TResult> ExecuteAsync<TState, TResult>(
        string operation,
        TState state,
        Func<PostgresWorkflowStore, TState, CancellationToken, ValueTask<TResult>> action,
        bool ensureSchema,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (context, args) =>
                {
                    var ct = context.CancellationToken;
                    if (args.EnsureSchema && !args.Store._schemaReady)
                    {
                        await args.Store.EnsureSchemaAsync(ct).ConfigureAwait(false);
                    }

                    return await args.Action(args.Store, args.State, ct).ConfigureAwait(false);
                },
                context,
                (Store: this, State: state, Action: action, EnsureSchema: ensureSchema)).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.Translate(ex, operation, _endpoint, cancellationToken) is { } translated)
        {
            throw translated;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await _migrator.EnsureAsync(_autoMigrate, cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private ResiliencePipeline BuildPipeline(int maxRetryAttempts)
    {
        if (maxRetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        // Backoff runs on the system clock: a paused test clock must not hang a retry.
        return new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System, Name = "Workflow.Postgres" }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
                ShouldHandle = args => new ValueTask<bool>(
                    !args.Context.CancellationToken.IsCancellationRequested
                    && args.Outcome.Exception is { } ex
                    && (PostgresErrors.IsTransient(ex) || (_autoMigrate && PostgresErrors.IsSchemaMissing(ex)))),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is { } ex && PostgresErrors.IsSchemaMissing(ex))
                    {
                        // The schema was dropped under the store: create it again on the next attempt.
                        _schemaReady = false;
                    }

                    Log.TransientFailure(_logger, args.Outcome.Exception, args.Context.OperationKey ?? "working", args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    // A multiplexing data source shares physical connections between commands: it cannot hold one to LISTEN on.
    private static bool IsMultiplexing(NpgsqlDataSource dataSource)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Multiplexing;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string DescribeEndpoint(NpgsqlDataSource dataSource)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            var host = string.IsNullOrEmpty(builder.Host) ? "localhost" : builder.Host;
            return host.Contains(',', StringComparison.Ordinal) ? $"{host} (port {builder.Port})" : $"{host}:{builder.Port}";
        }
        catch (ArgumentException)
        {
            return "(the data source's server)";
        }
    }
}

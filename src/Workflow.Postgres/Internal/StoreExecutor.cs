using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;
using Workflow.Postgres.Schema;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.Internal;

/// <summary>
/// What every store on a schema does around each operation: makes sure the schema is there (creating or upgrading it
/// once when allowed), retries transient failures, and translates what remains into the store's exceptions, so that no
/// Npgsql exception leaves a store. Shared by the workflow store and the event store.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "The schema gate is only awaited (WaitAsync), so it never allocates a wait handle and needs no disposal.")]
internal sealed class StoreExecutor
{
    private readonly SchemaMigrator _migrator;
    private readonly ResiliencePipeline _pipeline;
    private readonly bool _autoMigrate;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    /// <param name="dataSource">The data source of the database.</param>
    /// <param name="schema">The validated schema.</param>
    /// <param name="kind">The public store this executor runs for (named in error messages).</param>
    /// <param name="autoMigrate">Whether to create or upgrade the schema on first use.</param>
    /// <param name="maxRetryAttempts">Retries of an operation after a transient failure.</param>
    /// <param name="logger">The store's logger.</param>
    public StoreExecutor(NpgsqlDataSource dataSource, SchemaName schema, StoreKind kind, bool autoMigrate, int maxRetryAttempts, ILogger logger)
    {
        DataSource = dataSource;
        Schema = schema;
        Kind = kind;
        Logger = logger;
        Endpoint = DescribeEndpoint(dataSource);
        _autoMigrate = autoMigrate;
        _migrator = new SchemaMigrator(dataSource, schema, kind, logger);
        _pipeline = BuildPipeline(maxRetryAttempts);
    }

    public NpgsqlDataSource DataSource { get; }

    public SchemaName Schema { get; }

    public StoreKind Kind { get; }

    public ILogger Logger { get; }

    /// <summary>Gets the host and port of the database, as error messages name it.</summary>
    public string Endpoint { get; }

    /// <summary>Gets a value indicating whether the data source multiplexes: it then has no connection of its own to
    /// <c>LISTEN</c> on.</summary>
    public bool IsMultiplexing
    {
        get
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(DataSource.ConnectionString).Multiplexing;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }

    /// <summary>Builds a data source for a store that owns it. Its connections skip the session reset when they go back
    /// to the pool (<c>No Reset On Close</c>): the store leaves no session state behind (its advisory locks are
    /// transaction-scoped, its listener unlistens), and the reset is a statement batch on every reuse of a connection.</summary>
    public static NpgsqlDataSource BuildDataSource(string connectionString, string name, ILoggerFactory loggerFactory)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        builder.UseLoggerFactory(loggerFactory);
        return builder.Build();
    }

    /// <summary>Creates or upgrades the schema now (always allowed, whatever AutoMigrate says).</summary>
    public ValueTask<int> MigrateAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(
            "migrating the schema",
            this,
            static async (executor, ct) =>
            {
                await executor._schemaGate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await executor._migrator.EnsureAsync(migrate: true, ct).ConfigureAwait(false);
                    executor._schemaReady = true;
                }
                finally
                {
                    executor._schemaGate.Release();
                }

                return 0;
            },
            ensureSchema: false,
            cancellationToken);

    /// <summary>Runs one operation: makes sure the schema is there, retries transient failures and translates what
    /// remains into the store's exceptions.</summary>
    public async ValueTask<TResult> ExecuteAsync<TState, TResult>(
        string operation,
        TState state,
        Func<TState, CancellationToken, ValueTask<TResult>> action,
        bool ensureSchema,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (context, args) =>
                {
                    var ct = context.CancellationToken;
                    if (args.EnsureSchema && !args.Executor._schemaReady)
                    {
                        await args.Executor.EnsureSchemaAsync(ct).ConfigureAwait(false);
                    }

                    return await args.Action(args.State, ct).ConfigureAwait(false);
                },
                context,
                (Executor: this, State: state, Action: action, EnsureSchema: ensureSchema)).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresErrors.Translate(ex, operation, Endpoint, Kind, cancellationToken) is { } translated)
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

                    Log.TransientFailure(Logger, args.Outcome.Exception, args.Context.OperationKey ?? "working", args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            })
            .Build();
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

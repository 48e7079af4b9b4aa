using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Workflow.DependencyInjection;
using Workflow.Postgres.DependencyInjection;
using Workflow.Postgres.Storage;
using Workflow.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Verbs of <see cref="IWorkflowBuilder"/> for the PostgreSQL package.</summary>
public static class PostgresWorkflowBuilderExtensions
{
    /// <summary>
    /// Stores workflows in PostgreSQL instead of in memory: instances survive restarts, and every node that uses the
    /// same database and schema shares the work. Registers a singleton <see cref="PostgresWorkflowStore"/> (also as
    /// <see cref="IWorkflowStore"/>) that builds and owns a data source for <paramref name="connectionString"/>, and
    /// takes the <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/> (which paces the polling of stream watches) from
    /// the container.
    /// </summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="connectionString">The Npgsql connection string of the database.</param>
    /// <param name="configure">Configures the store's options (schema, notifications, polling, retries), or
    /// <see langword="null"/> for the defaults. The options are validated when the host starts.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or blank.</exception>
    public static IWorkflowBuilder UsePostgres(this IWorkflowBuilder builder, string connectionString, Action<PostgresWorkflowStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Register(builder, configure, (services, options) => new PostgresWorkflowStore(
            connectionString, options, services.GetService<ILoggerFactory>(), services.GetService<TimeProvider>()));
    }

    /// <summary>
    /// Stores workflows in PostgreSQL instead of in memory, on a data source the application owns (and disposes after the
    /// host): instances survive restarts, and every node that uses the same database and schema shares the work.
    /// Registers a singleton <see cref="PostgresWorkflowStore"/> (also as <see cref="IWorkflowStore"/>) and takes the
    /// <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/> (which paces the polling of stream watches) from the
    /// container.
    /// </summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="dataSource">The data source of the database.</param>
    /// <param name="configure">Configures the store's options (schema, notifications, polling, retries), or
    /// <see langword="null"/> for the defaults. The options are validated when the host starts.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="dataSource"/> is <see langword="null"/>.</exception>
    public static IWorkflowBuilder UsePostgres(this IWorkflowBuilder builder, NpgsqlDataSource dataSource, Action<PostgresWorkflowStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(dataSource);
        return Register(builder, configure, (services, options) => new PostgresWorkflowStore(
            dataSource, options, services.GetService<ILoggerFactory>(), services.GetService<TimeProvider>()));
    }

    private static IWorkflowBuilder Register(
        IWorkflowBuilder builder, Action<PostgresWorkflowStoreOptions>? configure, Func<IServiceProvider, PostgresWorkflowStoreOptions, PostgresWorkflowStore> create)
    {
        var services = builder.Services;
        var options = services.AddOptions<PostgresWorkflowStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresWorkflowStoreOptions>, PostgresWorkflowStoreOptionsValidator>());

        // The last Use*Store call wins, as with UseInMemoryStore.
        services.RemoveAll<PostgresWorkflowStore>();
        services.AddSingleton(sp => create(sp, sp.GetRequiredService<IOptions<PostgresWorkflowStoreOptions>>().Value));
        services.RemoveAll<IWorkflowStore>();
        services.AddSingleton<IWorkflowStore>(static sp => sp.GetRequiredService<PostgresWorkflowStore>());
        return builder;
    }
}

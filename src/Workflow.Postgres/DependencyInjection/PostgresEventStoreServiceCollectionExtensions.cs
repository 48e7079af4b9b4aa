using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Workflow.Postgres.DependencyInjection;
using Workflow.Postgres.EventStore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL event store in a service collection, on its own or beside the workflow runtime.</summary>
public static class PostgresEventStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="PostgresEventStore"/> that builds and owns a data source for
    /// <paramref name="connectionString"/>, and takes the <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/>
    /// from the container. The container disposes it (stopping its subscriptions) when it is disposed.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The Npgsql connection string of the database.</param>
    /// <param name="configure">Configures the store's options (schema, upcasters, notifications, retries), or
    /// <see langword="null"/> for the defaults. The options are validated when the host starts.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty or blank.</exception>
    public static IServiceCollection AddPostgresEventStore(
        this IServiceCollection services, string connectionString, Action<PostgresEventStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Register(services, configure, (sp, options) => new PostgresEventStore(
            connectionString, options, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
    }

    /// <summary>
    /// Registers a singleton <see cref="PostgresEventStore"/> on a data source the application owns (and disposes after
    /// the container), taking the <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/> from the container.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="dataSource">The data source of the database.</param>
    /// <param name="configure">Configures the store's options, or <see langword="null"/> for the defaults. The options
    /// are validated when the host starts.</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="dataSource"/> is
    /// <see langword="null"/>.</exception>
    public static IServiceCollection AddPostgresEventStore(
        this IServiceCollection services, NpgsqlDataSource dataSource, Action<PostgresEventStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dataSource);
        return Register(services, configure, (sp, options) => new PostgresEventStore(
            dataSource, options, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
    }

    private static IServiceCollection Register(
        IServiceCollection services, Action<PostgresEventStoreOptions>? configure, Func<IServiceProvider, PostgresEventStoreOptions, PostgresEventStore> create)
    {
        var options = services.AddOptions<PostgresEventStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresEventStoreOptions>, PostgresEventStoreOptionsValidator>());
        services.RemoveAll<PostgresEventStore>();
        services.AddSingleton(sp => create(sp, sp.GetRequiredService<IOptions<PostgresEventStoreOptions>>().Value));
        return services;
    }
}

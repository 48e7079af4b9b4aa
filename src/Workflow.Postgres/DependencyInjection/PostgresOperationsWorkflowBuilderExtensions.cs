using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Workflow.DependencyInjection;
using Workflow.Postgres.Operations;
using Workflow.Postgres.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Operations of the PostgreSQL store in a host: retention and the health check.</summary>
public static class PostgresOperationsWorkflowBuilderExtensions
{
    /// <summary>
    /// Purges ended instances older than <see cref="PostgresRetentionOptions.Retention"/> when the host starts and then at
    /// each <see cref="PostgresRetentionOptions.Interval"/>, optionally archiving each one first. Several nodes may run
    /// it: they share the batches without removing anything twice. Needs <c>UsePostgres</c>.
    /// </summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="configure">Configures the retention period, interval and purge options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="configure"/> is <see langword="null"/>.</exception>
    public static IWorkflowBuilder AddPostgresRetention(this IWorkflowBuilder builder, Action<PostgresRetentionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<PostgresRetentionOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresRetentionOptions>, RetentionOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RetentionService>());
        return builder;
    }

    /// <summary>
    /// Adds a check of the PostgreSQL workflow store: unhealthy when the database cannot be reached or its schema is
    /// older than this package; degraded when work is parked as dead or due work has waited longer than
    /// <paramref name="maxBacklogAge"/>; healthy otherwise. Its data holds the schema version and the work counts.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The name of the check.</param>
    /// <param name="maxBacklogAge">How long due work may wait before the check reports it, or <see langword="null"/> for 1 minute.</param>
    /// <param name="failureStatus">The status reported when unhealthy, or <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags of the check.</param>
    /// <returns>The health checks builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBacklogAge"/> is not positive.</exception>
    public static IHealthChecksBuilder AddWorkflowPostgresCheck(
        this IHealthChecksBuilder builder,
        string name = "workflow-postgres",
        TimeSpan? maxBacklogAge = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var age = maxBacklogAge ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(age, TimeSpan.Zero, nameof(maxBacklogAge));
        return builder.Add(new HealthCheckRegistration(
            name, sp => new PostgresStoreHealthCheck(sp.GetRequiredService<PostgresWorkflowStore>(), age), failureStatus, tags));
    }
}

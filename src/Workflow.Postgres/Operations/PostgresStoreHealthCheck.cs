using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflow.Exceptions;
using Workflow.Postgres.Schema;
using Workflow.Postgres.Storage;

namespace Workflow.Postgres.Operations;

/// <summary>
/// Healthy when the database answers and its schema is current; degraded when work is parked as dead or due work has
/// waited longer than the configured backlog age; unhealthy when the database cannot be reached.
/// </summary>
internal sealed class PostgresStoreHealthCheck(PostgresWorkflowStore store, TimeSpan maxBacklogAge) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        StoreProbe probe;
        try
        {
            probe = await store.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WorkflowException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The PostgreSQL workflow store failed: {ex.Message}", ex);
        }

        var data = new Dictionary<string, object>
        {
            ["schema"] = store.Schema,
            ["schemaVersion"] = probe.SchemaVersion,
            ["deadWorkItems"] = probe.DeadWorkItems,
            ["dueWorkItems"] = probe.DueWorkItems,
            ["oldestDueSeconds"] = probe.OldestDue?.TotalSeconds ?? 0,
        };
        if (probe.SchemaVersion < Migrations.Latest)
        {
            return new HealthCheckResult(context.Registration.FailureStatus,
                $"The schema '{store.Schema}' is at version {probe.SchemaVersion}; this package needs version {Migrations.Latest}. Run PostgresWorkflowStore.MigrateAsync.", data: data);
        }

        if (probe.DeadWorkItems > 0)
        {
            return HealthCheckResult.Degraded(
                $"{probe.DeadWorkItems} instance(s) have work parked as dead; list them with PostgresWorkflowStore.GetDeadWorkItemsAsync.", data: data);
        }

        if (probe.OldestDue is { } age && age > maxBacklogAge)
        {
            return HealthCheckResult.Degraded(
                $"Due work has waited {age.TotalSeconds:F0} s (more than {maxBacklogAge.TotalSeconds:F0} s): {probe.DueWorkItems} item(s) due. Add nodes or find what holds them back.", data: data);
        }

        return HealthCheckResult.Healthy("The PostgreSQL workflow store is reachable and current.", data);
    }
}

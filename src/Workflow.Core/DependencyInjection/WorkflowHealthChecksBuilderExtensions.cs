using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflow.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the workflow runtime's health check.</summary>
public static class WorkflowHealthChecksBuilderExtensions
{
    /// <summary>Adds a check that is healthy while the workflow runtime runs and reaches its store.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The name of the check.</param>
    /// <param name="failureStatus">The status reported when unhealthy, or <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags of the check.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddWorkflowRuntimeCheck(
        this IHealthChecksBuilder builder, string name = "workflow-runtime", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCheck<WorkflowHealthCheck>(name, failureStatus, tags ?? []);
    }
}

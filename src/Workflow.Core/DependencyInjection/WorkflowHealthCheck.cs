using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflow.Runtime;

namespace Workflow.DependencyInjection;

/// <summary>Healthy while the runtime runs and reaches its store; unhealthy when it is stopped or the store fails.</summary>
internal sealed class WorkflowHealthCheck(WorkflowRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!runtime.Options.RunWorker)
        {
            return Task.FromResult(HealthCheckResult.Healthy("This node does not run workflow instances (RunWorker is off)."));
        }

        if (!runtime.IsRunning)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The workflow runtime is not running."));
        }

        var data = new Dictionary<string, object>
        {
            ["node"] = runtime.NodeId,
            ["activeInstances"] = runtime.ActiveRuns,
            ["queuedInstances"] = runtime.QueuedRuns,
        };
        if (runtime.LastStoreError is { } error)
        {
            return Task.FromResult(new HealthCheckResult(
                context.Registration.FailureStatus, $"The workflow store failed: {error.Message}", error, data));
        }

        return Task.FromResult(HealthCheckResult.Healthy("The workflow runtime is running.", data));
    }
}

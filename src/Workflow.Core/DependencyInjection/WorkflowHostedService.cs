using Microsoft.Extensions.Hosting;
using Workflow.Runtime;

namespace Workflow.DependencyInjection;

/// <summary>Runs the workflow runtime for the lifetime of the host; its stop token is the shutdown deadline.</summary>
internal sealed class WorkflowHostedService(WorkflowRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}

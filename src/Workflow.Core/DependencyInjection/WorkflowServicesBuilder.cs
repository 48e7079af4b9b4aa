using Microsoft.Extensions.DependencyInjection;

namespace Workflow.DependencyInjection;

internal sealed class WorkflowServicesBuilder(IServiceCollection services) : IWorkflowBuilder
{
    public IServiceCollection Services { get; } = services;
}

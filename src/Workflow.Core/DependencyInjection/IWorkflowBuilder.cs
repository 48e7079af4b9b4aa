using Microsoft.Extensions.DependencyInjection;

namespace Workflow.DependencyInjection;

/// <summary>The result of <c>AddWorkflows</c>: other Workflow packages add their verbs (<c>UsePostgres</c>,
/// <c>AddAI</c>, <c>AddMcpClient</c>) as extension methods on it.</summary>
public interface IWorkflowBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Workflow.Client;
using Workflow.DependencyInjection;
using Workflow.Runtime;
using Workflow.Storage;
using Workflow.Storage.InMemory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Workflow with a service collection.</summary>
public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Adds the workflow runtime (run by a hosted service), the <see cref="IWorkflowClient"/>, the
    /// <see cref="IWorkflowRegistry"/> and, unless another store is registered, the in-memory store. Calling it again
    /// adds nothing twice; each <paramref name="configure"/> is applied in order.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the <see cref="WorkflowOptions"/>.</param>
    /// <returns>The builder, for <c>AddWorkflow</c> and the verbs of other Workflow packages.</returns>
    public static IWorkflowBuilder AddWorkflows(this IServiceCollection services, Action<WorkflowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(static d => d.ServiceType == typeof(WorkflowMarker)))
        {
            services.AddSingleton<WorkflowMarker>();
            services.AddOptions<WorkflowOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkflowOptions>, WorkflowOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<IWorkflowStore>(static sp => new InMemoryWorkflowStore(sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton<IFailureConverter, DefaultFailureConverter>();
            services.TryAddSingleton<InstanceUpdateHub>();
            services.TryAddSingleton<WorkflowRegistry>();
            services.TryAddSingleton<IWorkflowRegistry>(static sp => sp.GetRequiredService<WorkflowRegistry>());
            services.TryAddSingleton<WorkflowRuntime>();
            services.TryAddSingleton<IWorkflowClient, WorkflowClient>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WorkflowHostedService>());
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new WorkflowServicesBuilder(services);
    }

    private sealed class WorkflowMarker;
}

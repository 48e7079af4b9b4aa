using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workflow.Definitions;
using Workflow.DependencyInjection;
using Workflow.Runtime;
using Workflow.Storage;
using Workflow.Storage.InMemory;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Verbs of <see cref="IWorkflowBuilder"/> for the core package.</summary>
public static class WorkflowBuilderExtensions
{
    /// <summary>Registers a workflow definition, so the runtime can run its instances (including ones started before
    /// a restart) and the client can start it, also by name. Register every version that has instances in flight.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="definition">The definition.</param>
    /// <returns>The builder.</returns>
    public static IWorkflowBuilder AddWorkflow(this IWorkflowBuilder builder, WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(definition);
        builder.Services.AddSingleton(new WorkflowRegistration(definition));
        return builder;
    }

    /// <summary>Uses the in-memory store: the default, here to share one store instance between hosts in a process
    /// (tests of recovery do this) or to make the choice explicit.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="store">The store to use, or <see langword="null"/> for a new one on the host's <see cref="TimeProvider"/>.</param>
    /// <returns>The builder.</returns>
    public static IWorkflowBuilder UseInMemoryStore(this IWorkflowBuilder builder, InMemoryWorkflowStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IWorkflowStore>();
        if (store is null)
        {
            builder.Services.AddSingleton<IWorkflowStore>(static sp => new InMemoryWorkflowStore(sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            builder.Services.AddSingleton<IWorkflowStore>(store);
        }

        return builder;
    }

    /// <summary>Gets the options builder of <see cref="WorkflowOptions"/>, to bind a configuration section or add validation.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <returns>The options builder.</returns>
    public static OptionsBuilder<WorkflowOptions> ConfigureOptions(this IWorkflowBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddOptions<WorkflowOptions>();
    }
}

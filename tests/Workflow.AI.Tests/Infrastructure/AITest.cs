using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Workflow.Definitions;
using Workflow.Testing;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>Starts the real runtime (in-memory store, manual clock) with Workflow.AI over a given model.</summary>
public static class AITest
{
    public static CancellationToken Token => TestContext.Current.CancellationToken;

    public static Task<WorkflowTestEnvironment> StartAsync(
        IChatClient model, WorkflowDefinition definition, Action<WorkflowAIOptions>? configure = null, Action<IServiceCollection>? services = null) =>
        StartAsync(model, [definition], configure, services);

    public static Task<WorkflowTestEnvironment> StartAsync(
        IChatClient model, WorkflowDefinition[] definitions, Action<WorkflowAIOptions>? configure = null, Action<IServiceCollection>? services = null) =>
        WorkflowTestEnvironment.StartAsync(
            b =>
            {
                foreach (var definition in definitions)
                {
                    b.AddWorkflow(definition);
                }

                b.AddAI(o =>
                {
                    o.Resilience.UseJitter = false;
                    configure?.Invoke(o);
                });
            },
            configureServices: s =>
            {
                s.AddSingleton(model);
                services?.Invoke(s);
            },
            cancellationToken: Token);
}

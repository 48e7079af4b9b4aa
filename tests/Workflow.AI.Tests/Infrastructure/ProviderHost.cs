using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workflow.Definitions;
using Workflow.DependencyInjection;
using Workflow.TestUtilities;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>Starts a host (the real runtime on a fake clock) whose workflows call real provider client libraries.</summary>
public static class ProviderHost
{
    public const string ApiKey = "sk-local-test";

    public static async Task<(TestHost Host, TimerRecorder Time)> StartAsync(
        WorkflowDefinition definition, Action<IWorkflowBuilder> providers, Action<WorkflowAIOptions>? configure = null, CapturingLoggerProvider? logs = null)
    {
        var time = new TimerRecorder(new FakeTimeProvider(TestHost.Epoch));
        var host = await TestHost.StartAsync(
            b =>
            {
                b.AddWorkflow(definition);
                b.AddAI(o =>
                {
                    o.Resilience.UseJitter = false;
                    o.Resilience.RetryDelay = TimeSpan.Zero;
                    configure?.Invoke(o);
                });
                providers(b);
            },
            clock: time.Clock,
            services: s => s.AddSingleton<TimeProvider>(time),
            logs: logs,
            cancellationToken: TestContext.Current.CancellationToken);
        return (host, time);
    }

    public static IWorkflowBuilder AddOpenAI(this IWorkflowBuilder builder, string name, LocalServer server, string model = "gpt-test") =>
        builder.AddOpenAIProvider(name, o =>
        {
            o.Endpoint = new Uri(server.BaseAddress, "/v1");
            o.ApiKey = ApiKey;
            o.Model = model;
        });

    public static IWorkflowBuilder AddOllama(this IWorkflowBuilder builder, string name, LocalServer server, string model = "llama-test") =>
        builder.AddOllamaProvider(name, o =>
        {
            o.Endpoint = server.BaseAddress;
            o.Model = model;
        });
}

using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflow.Client;
using Workflow.Definitions;

namespace Workflow.Benchmarks;

/// <summary>
/// What a Workflow.AI prompt step adds over calling an <see cref="IChatClient"/> yourself, against a model that answers
/// at once (a fixed reply with usage), so the figures are our own cost. One operation makes <see cref="Calls"/> calls:
/// bare, from a plain step (the engine's cost plus a bare call), and as a prompt step (the same, plus journaling the
/// response, the resilience pipeline, the OpenTelemetry client without listeners and the usage metadata).
/// Overhead per call = (PromptStepWorkflows - PlainStepWorkflows) / Calls, of which (RunOnceStepWorkflows -
/// PlainStepWorkflows) / Calls is Core's cost of journaling a result within a step.
/// </summary>
[MemoryDiagnoser]
public class AIStepBenchmarks
{
    private static readonly InstantModel Model = new();
    private IHost _host = null!;
    private IWorkflowClient _client = null!;
    private WorkflowDefinition<string, string> _plainStep = null!;
    private WorkflowDefinition<string, string> _runOnceStep = null!;
    private WorkflowDefinition<string, string> _promptStep = null!;

    [Params(1000)]
    public int Calls { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var model = Model;
        _plainStep = WorkflowDefinition.Create<string>("plain-step")
            .Then("call", async (prompt, context, ct) => (await model.GetResponseAsync(prompt, cancellationToken: ct)).Text)
            .Build();
        _runOnceStep = WorkflowDefinition.Create<string>("run-once-step")
            .Then("call", async (prompt, context, ct) => await context.RunOnceAsync(
                "chat-1", async token => (await model.GetResponseAsync(prompt, cancellationToken: token)).Text, ct))
            .Build();
        _promptStep = WorkflowDefinition.Create<string>("prompt-step").Prompt("call", prompt => prompt).Build();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IChatClient>(Model);
        builder.Services.AddWorkflows().AddWorkflow(_plainStep).AddWorkflow(_runOnceStep).AddWorkflow(_promptStep).AddAI();
        _host = builder.Build();
        await _host.StartAsync();
        _client = _host.Services.GetRequiredService<IWorkflowClient>();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>The model calls alone, one after another.</summary>
    [Benchmark]
    public async Task<int> BareClientCalls()
    {
        var length = 0;
        for (var i = 0; i < Calls; i++)
        {
            length += (await Model.GetResponseAsync("Summarise the ticket.")).Text.Length;
        }

        return length;
    }

    /// <summary>One-step workflows whose step calls the model itself (not journaled).</summary>
    [Benchmark(Baseline = true)]
    public Task PlainStepWorkflows() => RunAsync(_plainStep);

    /// <summary>One-step workflows whose step journals the reply's text itself with Core's <c>RunOnceAsync</c>: the
    /// engine's share of journaling a model call.</summary>
    [Benchmark]
    public Task RunOnceStepWorkflows() => RunAsync(_runOnceStep);

    /// <summary>One-step workflows whose step is a Workflow.AI prompt step.</summary>
    [Benchmark]
    public Task PromptStepWorkflows() => RunAsync(_promptStep);

    private async Task RunAsync(WorkflowDefinition<string, string> definition)
    {
        var handles = new Task<WorkflowHandle<string>>[Calls];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = _client.StartAsync(definition, "Summarise the ticket.");
        }

        var results = new Task<string>[Calls];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = (await handles[i]).GetResultAsync();
        }

        await Task.WhenAll(results);
    }

    /// <summary>A model that answers every call at once with the same short reply and its token usage.</summary>
    private sealed class InstantModel : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "The customer asks for a refund of a broken espresso machine."))
            {
                FinishReason = ChatFinishReason.Stop,
                ModelId = "instant",
                Usage = new UsageDetails { InputTokenCount = 12, OutputTokenCount = 11, TotalTokenCount = 23 },
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The benchmark does not stream.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

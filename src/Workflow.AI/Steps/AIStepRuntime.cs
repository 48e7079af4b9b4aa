using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Workflow.AI.Providers;
using Workflow.AI.Telemetry;
using Workflow.Steps;

namespace Workflow.AI.Steps;

/// <summary>What the AI steps take from a step's services: the provider resolver and a logger.</summary>
internal static class AIStepRuntime
{
    public static ChatProviderResolver Resolver(StepContext context) =>
        context.Services.GetService<ChatProviderResolver>()
        ?? throw new InvalidOperationException(
            $"Step '{context.StepPath}' calls a model, but Workflow.AI is not set up in this host: call services.AddWorkflows().AddAI() and register a chat provider (AddOpenAIProvider, AddOllamaProvider, or any IChatClient with services.AddChatClient or AddKeyedChatClient).");

    public static ILogger Logger(StepContext context) =>
        context.Services.GetService<ILoggerFactory>()?.CreateLogger(WorkflowAITelemetry.LoggerCategory) ?? NullLogger.Instance;

    public static DurableChatClient Client(StepContext context, string? provider) => new(Resolver(context).Resolve(provider), context);

    public static Task<ChatResponse> CallAsync(DurableChatClient client, List<ChatMessage> messages, ChatOptions? options, bool stream, CancellationToken cancellationToken) =>
        stream ? client.GetStreamedResponseAsync(messages, options, cancellationToken) : client.GetResponseAsync(messages, options, cancellationToken);

    public static List<ChatMessage> Conversation(string? instructions, string prompt)
    {
        var messages = new List<ChatMessage>(3);
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            messages.Add(new ChatMessage(ChatRole.System, instructions));
        }

        messages.Add(new ChatMessage(ChatRole.User, prompt));
        return messages;
    }
}

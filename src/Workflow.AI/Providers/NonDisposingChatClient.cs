using Microsoft.Extensions.AI;

namespace Workflow.AI.Providers;

/// <summary>Shields a provider client owned by the service container from the disposal of the middleware Workflow.AI
/// wraps around it.</summary>
internal sealed class NonDisposingChatClient(IChatClient innerClient) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        innerClient.GetResponseAsync(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        innerClient.GetStreamingResponseAsync(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => innerClient.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The container owns the provider client.
    }
}

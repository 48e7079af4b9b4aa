using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OllamaSharp;
using OpenAI;
using Workflow.AI;
using Workflow.AI.DependencyInjection;
using Workflow.AI.Providers;
using Workflow.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Verbs of <see cref="IWorkflowBuilder"/> for Workflow.AI: <c>AddAI</c> and the chat providers.</summary>
public static class AIWorkflowBuilderExtensions
{
    /// <summary>
    /// Adds Workflow.AI: the prompt, extract and agent steps and <c>StepContext.GetChatClient</c> call the chat
    /// providers registered in the container, each <see cref="IChatClient"/> resolved by its service key (the provider
    /// name) or, for the default, without one. Every provider is wrapped once in OpenTelemetry
    /// (<see cref="Workflow.AI.Telemetry.WorkflowAITelemetry.SourceName"/>) and Polly resilience
    /// (<see cref="WorkflowAIOptions.Resilience"/>) on the host's <see cref="TimeProvider"/>. Calling it again adds
    /// nothing twice; each <paramref name="configure"/> is applied in order.
    /// </summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="configure">Configures the <see cref="WorkflowAIOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IWorkflowBuilder AddAI(this IWorkflowBuilder builder, Action<WorkflowAIOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(static d => d.ServiceType == typeof(AIMarker)))
        {
            services.AddSingleton<AIMarker>();
            services.AddOptions<WorkflowAIOptions>().ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkflowAIOptions>, WorkflowAIOptionsValidator>());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<ChatProviderResolver>();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Defines a failover chain: a name, usable wherever a provider name is, whose calls go to the first of
    /// <paramref name="providers"/> and, when it is rate limited, fails, times out, cannot be reached or has its circuit
    /// open (after its retries), to the next. A request a provider rejects as wrong (400, 401) does not fail over.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="name">The chain's name; set <see cref="WorkflowAIOptions.DefaultProvider"/> to it to make it the default.</param>
    /// <param name="providers">The providers' names, in the order they are tried.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or no provider is given.</exception>
    public static IWorkflowBuilder AddChatFailover(this IWorkflowBuilder builder, string name, params string[] providers)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(providers);
        if (providers.Length == 0 || providers.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"The failover chain '{name}' needs at least one provider name, and no empty one.", nameof(providers));
        }

        var members = providers.ToArray();
        return builder.AddAI(options => options.FailoverChains[name] = members);
    }

    /// <summary>Registers an OpenAI-compatible chat endpoint as the provider <paramref name="name"/> (a keyed
    /// <see cref="IChatClient"/>), through the OpenAI client library with its own retries turned off and no network
    /// timeout of its own, so that Workflow.AI's retries and timeouts, on the host's clock, are the only ones. The first
    /// provider added becomes the default unless <see cref="WorkflowAIOptions.DefaultProvider"/> is set.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="name">The provider's name (its service key).</param>
    /// <param name="configure">Sets the endpoint, key and model; it runs now, so mistakes surface at registration.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options lack the key or the model.</exception>
    public static IWorkflowBuilder AddOpenAIProvider(this IWorkflowBuilder builder, string name, Action<OpenAIProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new OpenAIProviderOptions();
        configure(options);
        if (string.IsNullOrEmpty(options.ApiKey) || string.IsNullOrEmpty(options.Model))
        {
            throw new ArgumentException(
                $"The OpenAI provider '{name}' needs an ApiKey and a Model (got key: {(string.IsNullOrEmpty(options.ApiKey) ? "none" : "set")}, model: {options.Model ?? "none"}). Local servers that check no key still need a non-empty one.",
                nameof(configure));
        }

        builder.Services.AddKeyedSingleton<IChatClient>(name, (_, _) => CreateOpenAIClient(options));
        return builder.AddAI(o => o.DefaultProvider ??= name);
    }

    /// <summary>Registers an Ollama server, through its native API and OllamaSharp, as the provider
    /// <paramref name="name"/> (a keyed <see cref="IChatClient"/>) whose HTTP client has no timeout of its own, so that
    /// Workflow.AI's timeouts, on the host's clock, apply. The first provider added becomes the default unless
    /// <see cref="WorkflowAIOptions.DefaultProvider"/> is set.</summary>
    /// <param name="builder">The workflow builder.</param>
    /// <param name="name">The provider's name (its service key).</param>
    /// <param name="configure">Sets the endpoint and model; it runs now, so mistakes surface at registration.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options lack the model.</exception>
    public static IWorkflowBuilder AddOllamaProvider(this IWorkflowBuilder builder, string name, Action<OllamaProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new OllamaProviderOptions();
        configure(options);
        if (string.IsNullOrEmpty(options.Model) || options.Endpoint is null)
        {
            throw new ArgumentException($"The Ollama provider '{name}' needs an Endpoint and a Model (got model: {options.Model ?? "none"}).", nameof(configure));
        }

        builder.Services.AddKeyedSingleton<IChatClient>(name, (_, _) => CreateOllamaClient(options));
        return builder.AddAI(o => o.DefaultProvider ??= name);
    }

    private static OwningChatClient CreateOpenAIClient(OpenAIProviderOptions options)
    {
        var owned = options.HttpClient is null ? NewHttpClient() : null;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = options.Endpoint,
            OrganizationId = options.OrganizationId,
            ProjectId = options.ProjectId,

            // System.ClientModel retries 429 and 5xx three times by default, on the real clock and hidden from us.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
            Transport = new HttpClientPipelineTransport(options.HttpClient ?? owned!),
        };
        var client = new OpenAI.Chat.ChatClient(options.Model, new ApiKeyCredential(options.ApiKey!), clientOptions).AsIChatClient();
        return new OwningChatClient(client, owned);
    }

    private static OwningChatClient CreateOllamaClient(OllamaProviderOptions options)
    {
        var owned = options.HttpClient is null ? NewHttpClient() : null;
        var http = options.HttpClient ?? owned!;
        http.BaseAddress ??= options.Endpoint;
        return new OwningChatClient(new OllamaApiClient(http, options.Model!), owned);
    }

    private static HttpClient NewHttpClient() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    private sealed class AIMarker;
}

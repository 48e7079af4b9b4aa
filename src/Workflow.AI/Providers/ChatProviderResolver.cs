using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workflow.AI.Telemetry;

namespace Workflow.AI.Providers;

/// <summary>
/// Turns a provider name into the client steps call: the <see cref="IChatClient"/> registered under that key (or the
/// unkeyed one for the default), wrapped in OpenTelemetry and resilience middleware once per provider (so its circuit
/// breaker is shared by every step), inside a failover chain (of one provider unless a chain of that name exists).
/// </summary>
internal sealed class ChatProviderResolver : IDisposable
{
    /// <summary>The name under which the unkeyed <see cref="IChatClient"/> appears in errors and telemetry.</summary>
    internal const string UnkeyedProviderName = "default";

    private readonly IServiceProvider _services;
    private readonly WorkflowAIOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<string, Lazy<ResilientChatClient>> _providers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<IChatClient>> _chains = new(StringComparer.Ordinal);

    public ChatProviderResolver(IServiceProvider services, IOptions<WorkflowAIOptions> options, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        _services = services;
        _options = options.Value;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger(WorkflowAITelemetry.LoggerCategory);
    }

    public WorkflowAIOptions Options => _options;

    public IChatClient Resolve(string? provider)
    {
        var name = string.IsNullOrEmpty(provider) ? _options.DefaultProvider ?? UnkeyedProviderName : provider;
        return _chains.GetOrAdd(name, static (key, self) => new Lazy<IChatClient>(() => self.CreateChain(key)), this).Value;
    }

    public void Dispose()
    {
        foreach (var provider in _providers.Values)
        {
            if (provider.IsValueCreated)
            {
                provider.Value.Dispose();
            }
        }
    }

    private FailoverChatClient CreateChain(string name)
    {
        IList<string> members = _options.FailoverChains.TryGetValue(name, out var chain) ? chain : [name];
        var providers = new ResilientChatClient[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            providers[i] = _providers.GetOrAdd(members[i], static (key, self) => new Lazy<ResilientChatClient>(() => self.CreateProvider(key)), this).Value;
        }

        return new FailoverChatClient(name, providers, _timeProvider, _logger);
    }

    private ResilientChatClient CreateProvider(string name)
    {
        var client = string.Equals(name, UnkeyedProviderName, StringComparison.Ordinal)
            ? _services.GetService<IChatClient>() ?? _services.GetKeyedService<IChatClient>(name)
            : _services.GetKeyedService<IChatClient>(name);
        if (client is null)
        {
            throw new InvalidOperationException(
                $"No chat provider named '{name}' is registered. Register an IChatClient for it (services.AddKeyedChatClient(\"{name}\", ...), or the AddOpenAIProvider / AddOllamaProvider verbs after AddAI()), "
                + $"define a failover chain of that name with AddChatFailover, or use a registered provider. Failover chains: {Describe(_options.FailoverChains.Keys)}; default provider: {_options.DefaultProvider ?? "the IChatClient registered without a key"}.");
        }

        var telemetry = new OpenTelemetryChatClient(new NonDisposingChatClient(client), _loggerFactory.CreateLogger(WorkflowAITelemetry.LoggerCategory), WorkflowAITelemetry.SourceName)
        {
            EnableSensitiveData = _options.EnableSensitiveData,
        };
        return new ResilientChatClient(telemetry, name, _options.Resilience, _timeProvider, _logger);
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = string.Join(", ", names);
        return list.Length == 0 ? "none" : list;
    }
}

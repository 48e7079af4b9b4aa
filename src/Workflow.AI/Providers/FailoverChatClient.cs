using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Workflow.AI.Internal;

namespace Workflow.AI.Providers;

/// <summary>
/// Tries the providers of a chain in order. A provider that is rate limited, fails, times out, cannot be reached or
/// has its circuit open (after its own retries) hands the call to the next; a request the provider rejects as wrong
/// (400, 401...) fails at once, because no other provider would accept it either. When every provider failed, the call
/// fails with <see cref="ChatProviderUnavailableException"/>. A streamed call fails over only until its first update.
/// </summary>
internal sealed class FailoverChatClient : IChatClient
{
    private readonly string _name;
    private readonly IReadOnlyList<ResilientChatClient> _providers;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public FailoverChatClient(string name, IReadOnlyList<ResilientChatClient> providers, TimeProvider timeProvider, ILogger logger)
    {
        _name = name;
        _providers = providers;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        List<ChatProviderFailure>? failures = null;
        Exception? last = null;
        for (var i = 0; i < _providers.Count; i++)
        {
            try
            {
                return await _providers[i].GetResponseAsync(request, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ShouldFailOver(ex, i, cancellationToken, ref failures))
            {
                last = ex;
            }
        }

        throw Unavailable(failures!, last);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        List<ChatProviderFailure>? failures = null;
        Exception? last = null;
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        for (var i = 0; i < _providers.Count && stream is null; i++)
        {
            var candidate = _providers[i].GetStreamingResponseAsync(request, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                if (!await candidate.MoveNextAsync().ConfigureAwait(false))
                {
                    throw new ChatStreamIncompleteException("The provider's stream ended without any update.");
                }

                stream = candidate;
            }
            catch (Exception ex) when (ShouldFailOver(ex, i, cancellationToken, ref failures))
            {
                last = ex;
                await candidate.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (stream is null)
        {
            throw Unavailable(failures!, last);
        }

        try
        {
            yield return stream.Current;
            while (await stream.MoveNextAsync().ConfigureAwait(false))
            {
                yield return stream.Current;
            }
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _providers[0].GetService(serviceType, serviceKey);
    }

    public void Dispose()
    {
        // The resolver owns the providers, which several chains may share.
    }

    private bool ShouldFailOver(Exception exception, int index, CancellationToken cancellationToken, ref List<ChatProviderFailure>? failures)
    {
        var failure = ChatErrorClassifier.Classify(exception, _timeProvider, cancellationToken);
        if (failure.Kind == ChatFailureKind.CallerError)
        {
            return false;
        }

        (failures ??= []).Add(new ChatProviderFailure(_providers[index].Provider, failure.Reason, failure.StatusCode));
        if (index + 1 < _providers.Count)
        {
            Log.ProviderFailingOver(_logger, _providers[index].Provider, failure.Reason, _providers[index + 1].Provider);
        }

        return true;
    }

    private ChatProviderUnavailableException Unavailable(List<ChatProviderFailure> failures, Exception? last)
    {
        var exception = new ChatProviderUnavailableException(_name, failures, last);
        Log.ProvidersUnavailable(_logger, _name, string.Join("; ", failures.Select(f => $"{f.Provider}: {f.Reason}")));
        return exception;
    }
}

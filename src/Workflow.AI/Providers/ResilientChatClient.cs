using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Workflow.AI.Internal;

namespace Workflow.AI.Providers;

/// <summary>
/// Runs each call to one provider through a Polly pipeline (retry honouring <c>Retry-After</c>, circuit breaker,
/// per-attempt timeout) on the host's clock. A streamed call is retried only until its first update arrives: after
/// that, a failure reaches the caller, which has already passed the partial output on.
/// </summary>
internal sealed class ResilientChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;

    public ResilientChatClient(IChatClient innerClient, string provider, ChatResilienceOptions options, TimeProvider timeProvider, ILogger logger)
        : base(innerClient)
    {
        Provider = provider;
        _pipeline = Build(provider, options, timeProvider, logger);
    }

    public string Provider { get; }

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        return _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.GetResponseAsync(state.Request, state.Options, token).ConfigureAwait(false),
            (Inner: InnerClient, Request: request, Options: options),
            cancellationToken).AsTask();
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var stream = await _pipeline.ExecuteAsync(
            static (state, token) => StartAsync(state.Inner, state.Request, state.Options, token, state.Caller),
            (Inner: InnerClient, Request: request, Options: options, Caller: cancellationToken),
            cancellationToken).ConfigureAwait(false);
        try
        {
            yield return stream.Enumerator.Current;
            while (await stream.Enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                yield return stream.Enumerator.Current;
            }
        }
        finally
        {
            await stream.Enumerator.DisposeAsync().ConfigureAwait(false);
            stream.Cancellation.Dispose();
        }
    }

    /// <summary>Starts a stream and waits for its first update under the attempt's token. The stream itself runs on a
    /// token of its own, linked to the caller's: Polly's attempt token is pooled and must not outlive the attempt.</summary>
    private static async ValueTask<StartedStream> StartAsync(
        IChatClient inner, IReadOnlyList<ChatMessage> request, ChatOptions? options, CancellationToken attemptToken, CancellationToken callerToken)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        IAsyncEnumerator<ChatResponseUpdate>? enumerator = null;
        try
        {
            using (attemptToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), cancellation))
            {
                enumerator = inner.GetStreamingResponseAsync(request, options, cancellation.Token).GetAsyncEnumerator(cancellation.Token);
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    throw new ChatStreamIncompleteException("The provider's stream ended without any update.");
                }
            }

            attemptToken.ThrowIfCancellationRequested();
            return new StartedStream(enumerator, cancellation);
        }
        catch
        {
            if (enumerator is not null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }

            cancellation.Dispose();
            throw;
        }
    }

    private static ResiliencePipeline Build(string provider, ChatResilienceOptions options, TimeProvider timeProvider, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider, Name = "workflow-ai-" + provider };
        var maxRetryAfter = options.MaxRetryAfter;
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                UseJitter = options.UseJitter,
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Exception is { } exception
                    && ChatErrorClassifier.Classify(exception, timeProvider, args.Context.CancellationToken) is { Kind: ChatFailureKind.Transient } failure
                    && (failure.RetryAfter is null || failure.RetryAfter <= maxRetryAfter)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is { } exception
                        ? ChatErrorClassifier.Classify(exception, timeProvider, args.Context.CancellationToken).RetryAfter
                        : null),
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is { } exception
                        ? ChatErrorClassifier.Classify(exception, timeProvider, args.Context.CancellationToken).Reason
                        : "no result";
                    Log.ProviderRetrying(logger, args.Outcome.Exception, provider, reason, args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (options.CircuitBreaker is { } breaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Exception is { } exception
                    && ChatErrorClassifier.Classify(exception, timeProvider, args.Context.CancellationToken).Kind == ChatFailureKind.Transient),
                OnOpened = args =>
                {
                    Log.CircuitOpened(logger, provider, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    Log.CircuitClosed(logger, provider);
                    return ValueTask.CompletedTask;
                },
            });
        }

        if (options.AttemptTimeout is { } timeout)
        {
            builder.AddTimeout(timeout);
        }

        return builder.Build();
    }

    private readonly record struct StartedStream(IAsyncEnumerator<ChatResponseUpdate> Enumerator, CancellationTokenSource Cancellation);
}

using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workflow.AI.Internal;
using Workflow.AI.Journaling;
using Workflow.AI.Providers;
using Workflow.AI.Telemetry;
using Workflow.Steps;

namespace Workflow.AI;

/// <summary>
/// A chat client for one step attempt that journals each completed response through the step's
/// <see cref="StepContext.RunOnceAsync{T}"/>, so that when the step runs again (a retry, an approval answered, a
/// recovery after a crash) a completed call is answered from the journal: the model is not called, and not billed,
/// a second time.
/// </summary>
/// <remarks>
/// <para>Calls are keyed by their order within the step: <c>chat-1</c>, <c>chat-2</c>... (see
/// <see cref="DurableChatClientOptions.KeyPrefix"/>). A step must therefore make its calls in the same order each
/// time it runs, one after another. Only a completed call is journaled and moves the sequence on; a call that failed
/// is made again. The response returned is the journaled one, also on the first run, so that a step sees the same
/// objects whether a call was made or replayed (provider-specific <c>RawRepresentation</c> objects are not kept).</para>
/// <para>Streaming calls send each update to the instance's watchers as it arrives (<c>StepProgressUpdate</c> with
/// the call id as <c>CallId</c> and the <see cref="ChatResponseUpdate"/> as <c>Data</c>); when a call whose partial
/// output watchers may hold runs again, a <c>StepStreamResetUpdate</c> for its call id comes first. The journal keeps
/// the final, aggregated response. In the prompt, extract and agent steps, a stream that is cut after it started is
/// made again within the call, up to <see cref="ChatResilienceOptions.MaxRetryAttempts"/> times, after a reset for
/// watchers; a stream read through <see cref="GetStreamingResponseAsync"/> is not, as its reader has seen the partial
/// updates.</para>
/// <para>The token usage of every call, made or replayed, is added to the step's metadata under the keys of
/// <see cref="AIMetadataKeys"/>. Create the client for each step attempt, with the attempt's context: it is not valid
/// once the attempt has ended.</para>
/// </remarks>
public sealed class DurableChatClient : DelegatingChatClient
{
    private readonly StepContext _context;
    private readonly StepChatState _state;
    private readonly string _prefix;
    private readonly bool _requireFinishReason;
    private ILogger? _logger;
    private bool? _sensitive;

    /// <summary>Initializes the client.</summary>
    /// <param name="innerClient">The client that calls the model: a provider, usually wrapped in resilience middleware.</param>
    /// <param name="context">The context of the step attempt the calls belong to.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults; the client keeps a copy.</param>
    /// <exception cref="ArgumentException">The options' <see cref="DurableChatClientOptions.KeyPrefix"/> is empty.</exception>
    public DurableChatClient(IChatClient innerClient, StepContext context, DurableChatClientOptions? options = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(context);
        options = options?.Clone() ?? new DurableChatClientOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.KeyPrefix, nameof(options));
        _context = context;
        _state = StepChatState.For(context);
        _prefix = options.KeyPrefix;
        _requireFinishReason = options.RequireFinishReason;
    }

    /// <summary>Gets the token usage of the step's model calls so far (made or replayed, through any durable client of
    /// the step attempt).</summary>
    public TokenUsage StepUsage => _state.Usage;

    private ILogger Logger => _logger ??= _context.Services.GetService<ILoggerFactory>()?.CreateLogger(WorkflowAITelemetry.LoggerCategory) ?? NullLogger.Instance;

    private bool Sensitive => _sensitive ??= _context.Services.GetService<IOptions<WorkflowAIOptions>>()?.Value.EnableSensitiveData ?? false;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = Snapshot(messages);
        var callId = _state.BeginCall(_prefix);
        var journaled = false;
        try
        {
            var fingerprint = ChatCallRecord.Fingerprint(request, options);
            var live = false;
            var record = await _context.RunOnceAsync(
                callId,
                async token =>
                {
                    live = true;
                    var response = await InnerClient.GetResponseAsync(request, options, token).ConfigureAwait(false);
                    return ChatCallRecord.Encode(response, fingerprint, streamed: false);
                },
                cancellationToken).ConfigureAwait(false);
            journaled = true;
            return Complete(callId, record, fingerprint, live);
        }
        finally
        {
            _state.EndCall(_prefix, journaled);
        }
    }

    /// <inheritdoc />
    /// <remarks>When the call is answered from the journal, the journaled response is yielded as updates (and
    /// nothing is sent to watchers). When the stream fails, the exception reaches the caller after the updates that
    /// arrived; nothing is journaled, and the next try of the call is preceded by a reset for watchers.</remarks>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = Snapshot(messages);
        var callId = _state.BeginCall(_prefix);
        var channel = Channel.CreateUnbounded<ChatResponseUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var producer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = StreamAsync(callId, request, options, channel.Writer, producer.Token);
        try
        {
            await foreach (var update in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            var (response, live) = await run.ConfigureAwait(false);
            if (!live)
            {
                foreach (var update in response.ToChatResponseUpdates())
                {
                    yield return update;
                }
            }
        }
        finally
        {
            if (!run.IsCompleted)
            {
                // The caller stopped reading: stop the call, and do not journal what it had so far.
                await producer.CancelAsync().ConfigureAwait(false);
                await ((Task)run).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            _state.EndCall(_prefix, run.IsCompletedSuccessfully);
        }
    }

    /// <summary>Makes a streaming call (its updates go to watchers) and returns the journaled response.</summary>
    internal async Task<ChatResponse> GetStreamedResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var request = Snapshot(messages);
        var callId = _state.BeginCall(_prefix);
        var journaled = false;
        try
        {
            var (response, _) = await StreamAsync(callId, request, options, writer: null, cancellationToken).ConfigureAwait(false);
            journaled = true;
            return response;
        }
        finally
        {
            _state.EndCall(_prefix, journaled);
        }
    }

    private async Task<(ChatResponse Response, bool Live)> StreamAsync(
        string callId, IReadOnlyList<ChatMessage> request, ChatOptions? options, ChannelWriter<ChatResponseUpdate>? writer, CancellationToken cancellationToken)
    {
        try
        {
            var fingerprint = ChatCallRecord.Fingerprint(request, options);
            var live = false;
            var record = await _context.RunOnceAsync(
                callId,
                async token =>
                {
                    live = true;

                    // A stream cut after it started is made again here (the provider's resilience retried only until
                    // its first update), with a reset for watchers first. Not when the caller reads the stream itself:
                    // it has already seen the partial updates, and a second stream would repeat them.
                    var retries = writer is null ? StreamRetries : 0;
                    for (var attempt = 0; ; attempt++)
                    {
                        if (_state.NeedsReset(callId))
                        {
                            _context.EmitReset(callId);
                        }

                        var updates = new List<ChatResponseUpdate>();
                        try
                        {
                            await foreach (var update in InnerClient.GetStreamingResponseAsync(request, options, token).ConfigureAwait(false))
                            {
                                updates.Add(update);
                                if (update.Contents.Count > 0)
                                {
                                    _state.MarkEmitted(callId);
                                    _context.Emit(update, callId);
                                }

                                writer?.TryWrite(update);
                            }

                            var response = updates.ToChatResponse();
                            if (_requireFinishReason && response.FinishReason is null)
                            {
                                throw new ChatStreamIncompleteException(
                                    $"The streamed reply of model call '{callId}' in step '{_context.StepPath}' ended after {updates.Count} update(s) without a finish reason: the stream was cut or is not a chat stream. It was not journaled; retry the step (StepOptions.Retry) to call the model again.");
                            }

                            return ChatCallRecord.Encode(response, fingerprint, streamed: true);
                        }
                        catch (Exception ex) when (attempt < retries && updates.Count > 0 && IsCut(ex, token))
                        {
                            Log.StreamRetrying(Logger, callId, _context.StepPath, attempt + 1, retries, ex.GetType().Name);
                        }
                    }
                },
                cancellationToken).ConfigureAwait(false);
            return (Complete(callId, record, fingerprint, live), live);
        }
        finally
        {
            writer?.TryComplete();
        }
    }

    private ChatResponse Complete(string callId, JsonElement record, string fingerprint, bool live)
    {
        var response = ChatCallRecord.Decode(record, callId, _context.StepPath, out var journaledFingerprint);
        _state.AddUsage(response.Usage);
        if (live)
        {
            if (Logger.IsEnabled(LogLevel.Debug))
            {
                Log.ModelCallJournaled(Logger, callId, _context.StepPath, _context.InstanceId, response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0);
            }
        }
        else
        {
            AIInstrumentation.ReplayedCalls.Add(1, new KeyValuePair<string, object?>(AIInstrumentation.WorkflowNameTag, _context.WorkflowName));
            if (journaledFingerprint is not null && !string.Equals(journaledFingerprint, fingerprint, StringComparison.Ordinal))
            {
                Log.ModelCallRequestChanged(Logger, callId, _context.StepPath, _context.InstanceId);
            }
            else if (Logger.IsEnabled(LogLevel.Debug))
            {
                Log.ModelCallReplayed(Logger, callId, _context.StepPath, _context.InstanceId);
            }
        }

        if (Sensitive && Logger.IsEnabled(LogLevel.Trace))
        {
            Log.ModelReply(Logger, callId, _context.StepPath, response.Text);
        }

        return response;
    }

    /// <summary>How often a stream cut mid-way is made again within the call: the host's
    /// <see cref="ChatResilienceOptions.MaxRetryAttempts"/>.</summary>
    private int StreamRetries => _context.Services.GetService<IOptions<WorkflowAIOptions>>()?.Value.Resilience.MaxRetryAttempts ?? 2;

    private bool IsCut(Exception exception, CancellationToken token) =>
        ChatErrorClassifier.Classify(exception, _context.Services.GetService<TimeProvider>() ?? TimeProvider.System, token).Kind == ChatFailureKind.Transient;

    private static IReadOnlyList<ChatMessage> Snapshot(IEnumerable<ChatMessage> messages) =>
        messages as IReadOnlyList<ChatMessage> ?? [.. messages];
}

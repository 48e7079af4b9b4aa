using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Workflow.Steps;

namespace Workflow.AI.Journaling;

/// <summary>
/// What the durable chat clients and agents of one step attempt share: the call sequence per key prefix (calls are
/// journaled by their order), the tool call sequence, the calls whose partial stream watchers saw, and the token
/// usage recorded as the step's metadata. A step attempt has its own <see cref="StepContext"/>, so a retry or a
/// recovery starts again at the first call, whose journaled result it replays.
/// </summary>
internal sealed class StepChatState
{
    private static readonly ConditionalWeakTable<StepContext, StepChatState> States = new();

    private readonly StepContext _context;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _completedCalls = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> _emitted = new(StringComparer.Ordinal);
    private int _toolCalls;
    private bool _liveStreamStarted;
    private long _inputTokens;
    private long _outputTokens;
    private long _totalTokens;
    private int _modelCalls;

    private StepChatState(StepContext context) => _context = context;

    public static StepChatState For(StepContext context) => States.GetValue(context, static c => new StepChatState(c));

    public TokenUsage Usage
    {
        get
        {
            lock (_gate)
            {
                return new TokenUsage(_inputTokens, _outputTokens, _totalTokens, _modelCalls);
            }
        }
    }

    /// <summary>Reserves the next call of a key prefix. Calls of one prefix must not overlap: their order is their key.</summary>
    public string BeginCall(string prefix)
    {
        lock (_gate)
        {
            if (!_inFlight.Add(prefix))
            {
                throw new InvalidOperationException(
                    $"Two model calls overlapped in step '{_context.StepPath}' through durable chat clients with the key prefix '{prefix}'. Calls are journaled in the order they are made, so calls of one prefix must run one after another; give each client that runs at the same time its own DurableChatClientOptions.KeyPrefix.");
            }

            return string.Concat(prefix, "-", (_completedCalls.GetValueOrDefault(prefix) + 1).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Ends a call; only a journaled call moves the sequence on, so a failed call's key is used by the next try.</summary>
    public void EndCall(string prefix, bool journaled)
    {
        lock (_gate)
        {
            _inFlight.Remove(prefix);
            if (journaled)
            {
                _completedCalls[prefix] = _completedCalls.GetValueOrDefault(prefix) + 1;
            }
        }
    }

    /// <summary>Whether watchers may hold partial output of this call from an earlier try: a try of it in this attempt
    /// emitted some, or this is the first call of a retried attempt that goes to the model (the earlier attempt failed
    /// in it, because the calls before it were journaled).</summary>
    public bool NeedsReset(string callId)
    {
        lock (_gate)
        {
            var firstLive = !_liveStreamStarted;
            _liveStreamStarted = true;
            return _emitted.Contains(callId) || (firstLive && _context.Attempt > 1);
        }
    }

    public void MarkEmitted(string callId)
    {
        lock (_gate)
        {
            _emitted.Add(callId);
        }
    }

    public string NextToolCallKey()
    {
        lock (_gate)
        {
            return "tool-" + (++_toolCalls).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Adds a call's usage (live or replayed: the step's metadata states what the step's calls cost once).</summary>
    public void AddUsage(UsageDetails? usage)
    {
        string input, output, total, calls;
        lock (_gate)
        {
            var inputTokens = usage?.InputTokenCount ?? 0;
            var outputTokens = usage?.OutputTokenCount ?? 0;
            _inputTokens += inputTokens;
            _outputTokens += outputTokens;
            _totalTokens += usage?.TotalTokenCount ?? inputTokens + outputTokens;
            _modelCalls++;
            input = _inputTokens.ToString(CultureInfo.InvariantCulture);
            output = _outputTokens.ToString(CultureInfo.InvariantCulture);
            total = _totalTokens.ToString(CultureInfo.InvariantCulture);
            calls = _modelCalls.ToString(CultureInfo.InvariantCulture);
        }

        _context.SetMetadata(AIMetadataKeys.InputTokens, input);
        _context.SetMetadata(AIMetadataKeys.OutputTokens, output);
        _context.SetMetadata(AIMetadataKeys.TotalTokens, total);
        _context.SetMetadata(AIMetadataKeys.ModelCalls, calls);
    }
}

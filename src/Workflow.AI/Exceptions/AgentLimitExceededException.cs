using Microsoft.Extensions.AI;
using Workflow.Exceptions;

namespace Workflow.AI;

/// <summary>An agent reached its turn limit or token budget before it gave a final answer.</summary>
public sealed class AgentLimitExceededException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="limit">The limit reached.</param>
    /// <param name="turns">The model calls made.</param>
    /// <param name="usage">The tokens used.</param>
    /// <param name="transcript">The conversation so far.</param>
    /// <param name="message">What happened and how to fix it.</param>
    public AgentLimitExceededException(AgentLimit limit, int turns, TokenUsage usage, IReadOnlyList<ChatMessage> transcript, string message)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(transcript);
        Limit = limit;
        Turns = turns;
        Usage = usage;
        Transcript = transcript;
    }

    /// <summary>Gets the limit reached.</summary>
    public AgentLimit Limit { get; }

    /// <summary>Gets the model calls made.</summary>
    public int Turns { get; }

    /// <summary>Gets the tokens used.</summary>
    public TokenUsage Usage { get; }

    /// <summary>Gets the conversation so far: the instructions, the task, each reply and each tool result.</summary>
    public IReadOnlyList<ChatMessage> Transcript { get; }

    /// <summary>Gets the error type the agent step fails with: <see cref="AIErrorTypes.AgentTurnLimitExceeded"/> or
    /// <see cref="AIErrorTypes.AgentTokenBudgetExceeded"/>.</summary>
    public string ErrorType => Limit == AgentLimit.Turns ? AIErrorTypes.AgentTurnLimitExceeded : AIErrorTypes.AgentTokenBudgetExceeded;
}

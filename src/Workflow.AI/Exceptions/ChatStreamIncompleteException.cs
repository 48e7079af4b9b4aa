using Workflow.Exceptions;

namespace Workflow.AI;

/// <summary>A streamed model reply ended before the model finished it (no finish reason arrived): the connection was
/// cut, or the server sent something that is not a stream. The reply is not journaled; the call can be made again.
/// Give the step a retry policy (<c>StepOptions.Retry</c>) so that the step retries it.</summary>
public sealed class ChatStreamIncompleteException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public ChatStreamIncompleteException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

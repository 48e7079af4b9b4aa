namespace Workflow.Exceptions;

/// <summary>
/// Thrown by a step to fail with a stable error type and details, and to say whether retrying can help.
/// The runtime records it as a <see cref="WorkflowFailure"/>.
/// </summary>
public sealed class StepFailedException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="errorType">A stable name of the kind of error, for example <c>PaymentDeclined</c>.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    public StepFailedException(string errorType, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorType);
        ErrorType = errorType;
    }

    /// <summary>Gets a stable name of the kind of error.</summary>
    public string ErrorType { get; }

    /// <summary>Gets or initializes application-defined details as JSON text.</summary>
    public string? Details { get; init; }

    /// <summary>Gets or initializes a value indicating whether retrying cannot help: the step fails at once.</summary>
    public bool NonRetryable { get; init; }
}

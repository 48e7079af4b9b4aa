namespace Workflow;

/// <summary>
/// A failure recorded as data: what went wrong, never a serialized exception object, so it can be read back by any
/// version of the application and by other languages.
/// </summary>
public sealed class WorkflowFailure
{
    /// <summary>Initializes a failure.</summary>
    /// <param name="errorType">A stable name of the kind of error, by default the exception's full type name.</param>
    /// <param name="message">The error message.</param>
    public WorkflowFailure(string errorType, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorType);
        ArgumentNullException.ThrowIfNull(message);
        ErrorType = errorType;
        Message = message;
    }

    /// <summary>Gets a stable name of the kind of error, by default the exception's full type name.</summary>
    public string ErrorType { get; }

    /// <summary>Gets the error message.</summary>
    public string Message { get; }

    /// <summary>Gets the stack trace where the error was raised, if known.</summary>
    public string? StackTrace { get; init; }

    /// <summary>Gets application-defined details as JSON text, if any.</summary>
    public string? Details { get; init; }

    /// <summary>Gets a value indicating whether retrying cannot help.</summary>
    public bool NonRetryable { get; init; }

    /// <summary>Gets the failure that caused this one, if any.</summary>
    public WorkflowFailure? Cause { get; init; }

    /// <summary>Gets the step path where the failure happened, or <see langword="null"/> for a workflow-level failure.</summary>
    public string? StepPath { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{ErrorType}: {Message}";

    internal WorkflowFailure WithStepPath(string stepPath) =>
        StepPath == stepPath
            ? this
            : new WorkflowFailure(ErrorType, Message)
            {
                StackTrace = StackTrace,
                Details = Details,
                NonRetryable = NonRetryable,
                Cause = Cause,
                StepPath = stepPath,
            };
}

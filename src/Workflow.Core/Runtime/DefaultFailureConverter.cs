using Workflow.Exceptions;

namespace Workflow.Runtime;

/// <summary>Records the exception's type name, message and stack trace, its cause chain (up to a few levels), and
/// the error type, details and retryability a <see cref="StepFailedException"/> carries.</summary>
internal sealed class DefaultFailureConverter : IFailureConverter
{
    private const int MaxCauseDepth = 4;

    public WorkflowFailure ToFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Convert(exception, depth: 0);
    }

    private static WorkflowFailure Convert(Exception exception, int depth)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        var cause = exception.InnerException is { } inner && depth < MaxCauseDepth ? Convert(inner, depth + 1) : null;
        return exception switch
        {
            StepFailedException failed => new WorkflowFailure(failed.ErrorType, failed.Message)
            {
                StackTrace = failed.StackTrace,
                Details = failed.Details,
                NonRetryable = failed.NonRetryable,
                Cause = cause,
            },
            _ => new WorkflowFailure(exception.GetType().FullName ?? exception.GetType().Name, exception.Message)
            {
                StackTrace = exception.StackTrace,
                NonRetryable = exception is WorkflowSerializationException,
                Cause = cause,
            },
        };
    }
}

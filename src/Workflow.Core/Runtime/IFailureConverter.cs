namespace Workflow.Runtime;

/// <summary>Turns an exception into a <see cref="WorkflowFailure"/>: what the journal records about an error.
/// Register your own to add details or to keep messages with secrets out of the journal.</summary>
public interface IFailureConverter
{
    /// <summary>Converts an exception to a failure.</summary>
    /// <param name="exception">The exception a step (or the runtime) raised.</param>
    /// <returns>The failure to journal.</returns>
    WorkflowFailure ToFailure(Exception exception);
}

namespace Workflow.Exceptions;

/// <summary>
/// Raised by a store that cannot reach its backing storage (a database that is down or unreachable). Stores
/// translate their provider's errors into this exception at their boundary, so no provider exception leaks through
/// the store contract. The failure is transient: the runtime retries, and nothing is lost.
/// </summary>
public sealed class WorkflowStoreUnavailableException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="endpoint">Where the store tried to connect, for example <c>db.internal:5432</c>.</param>
    /// <param name="message">What failed and what to check.</param>
    /// <param name="innerException">The provider's exception.</param>
    public WorkflowStoreUnavailableException(string endpoint, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
    }

    /// <summary>Gets where the store tried to connect.</summary>
    public string Endpoint { get; }
}

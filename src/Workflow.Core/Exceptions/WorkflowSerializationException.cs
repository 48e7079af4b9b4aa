namespace Workflow.Exceptions;

/// <summary>Raised when a workflow input, step output or event payload cannot be serialized to JSON or read back.</summary>
public sealed class WorkflowSerializationException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="message">What could not be serialized and how to fix it.</param>
    /// <param name="innerException">The serializer's exception.</param>
    public WorkflowSerializationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

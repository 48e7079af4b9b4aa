namespace Workflow.Exceptions;

/// <summary>The base of every exception that Workflow raises about workflows, their instances and their stores.</summary>
/// <remarks>Misuse of the API (a null argument, an out-of-range value) raises the standard CLR exceptions instead.</remarks>
public abstract class WorkflowException : Exception
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The exception that caused this one, if any.</param>
    protected WorkflowException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

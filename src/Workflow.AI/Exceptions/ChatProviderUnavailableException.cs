using Workflow.Exceptions;

namespace Workflow.AI;

/// <summary>No provider of a chat provider chain could answer: each was rate limited, failed, timed out, could not be
/// reached, or had its circuit open, after its retries. Retrying later can help: the step's retry policy decides.</summary>
public sealed class ChatProviderUnavailableException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="provider">The provider or failover chain the call was made to.</param>
    /// <param name="failures">Why each provider did not answer, in the order they were tried.</param>
    /// <param name="innerException">The last provider's exception, if any.</param>
    public ChatProviderUnavailableException(string provider, IReadOnlyList<ChatProviderFailure> failures, Exception? innerException = null)
        : base(Describe(provider, failures), innerException)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(failures);
        Provider = provider;
        Failures = failures;
    }

    /// <summary>Gets the provider or failover chain the call was made to.</summary>
    public string Provider { get; }

    /// <summary>Gets why each provider did not answer, in the order they were tried.</summary>
    public IReadOnlyList<ChatProviderFailure> Failures { get; }

    private static string Describe(string provider, IReadOnlyList<ChatProviderFailure>? failures)
    {
        var what = failures is null || failures.Count == 0
            ? "no provider was tried"
            : string.Join("; ", failures.Select(f => $"{f.Provider}: {f.Reason}"));
        return failures is { Count: > 1 }
            ? $"No provider of the failover chain '{provider}' answered ({what}). Check the providers' status and keys; the step's retry policy can try again later."
            : $"The chat provider '{provider}' did not answer ({what}). Check its status and endpoint, add another provider with AddChatFailover, or let the step's retry policy try again later.";
    }
}

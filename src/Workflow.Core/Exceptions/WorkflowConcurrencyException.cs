using Workflow.Storage;

namespace Workflow.Exceptions;

/// <summary>Raised when an append finds its stream at another version than expected: someone else wrote first.</summary>
public sealed class WorkflowConcurrencyException : WorkflowException
{
    /// <summary>Initializes the exception.</summary>
    /// <param name="streamId">The stream written to.</param>
    /// <param name="expectedVersion">The version the writer expected.</param>
    /// <param name="actualVersion">The version the stream was at.</param>
    public WorkflowConcurrencyException(string streamId, ExpectedVersion expectedVersion, long actualVersion)
        : base($"Stream '{streamId}' is at version {actualVersion}, not at {expectedVersion} as the append expected. Read the new events and retry.")
    {
        StreamId = streamId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Gets the stream written to.</summary>
    public string StreamId { get; }

    /// <summary>Gets the version the writer expected.</summary>
    public ExpectedVersion ExpectedVersion { get; }

    /// <summary>Gets the version the stream was at.</summary>
    public long ActualVersion { get; }
}

using Workflow.Storage;

namespace Workflow.Postgres.Internal;

/// <summary>The argument checks of a stream read, shared by the workflow store and the event store.</summary>
internal static class StreamReadArguments
{
    public static void Validate(string streamId, long fromVersion, ReadDirection direction, int maxCount, string streamParamName)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId, streamParamName);
        ArgumentOutOfRangeException.ThrowIfNegative(fromVersion);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        if (direction is not (ReadDirection.Forward or ReadDirection.Backward))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "The direction must be Forward or Backward.");
        }
    }
}

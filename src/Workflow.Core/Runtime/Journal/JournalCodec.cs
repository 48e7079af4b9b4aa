using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Workflow.Client;
using Workflow.Storage;

namespace Workflow.Runtime.Journal;

/// <summary>
/// Writes and reads the journal's events. The format is public and durable (PostgreSQL rows, recorded histories):
/// every type name carries a schema version, and changing a payload means a new version, never an edit.
/// </summary>
internal static class JournalCodec
{
    public const string WorkflowStarted = "workflow.started.v1";
    public const string StepCompleted = "step.completed.v1";
    public const string StepAttemptFailed = "step.attempt_failed.v1";
    public const string StepFailed = "step.failed.v1";
    public const string StepSubResult = "step.subresult.v1";
    public const string BranchTaken = "branch.taken.v1";
    public const string LoopIterationCompleted = "loop.iteration_completed.v1";
    public const string CancelRequested = "workflow.cancel_requested.v1";
    public const string WorkflowCompleted = "workflow.completed.v1";
    public const string WorkflowFailed = "workflow.failed.v1";
    public const string WorkflowCanceled = "workflow.canceled.v1";
    public const string EventRaised = "event.raised.v1";
    public const string EventConsumed = "event.consumed.v1";
    public const string WaitStarted = "wait.started.v1";
    public const string WaitTimedOut = "wait.timed_out.v1";
    public const string TimerStarted = "timer.started.v1";
    public const string TimerFired = "timer.fired.v1";
    public const string ApprovalRequested = "approval.requested.v1";
    public const string ApprovalAnswered = "approval.answered.v1";
    public const string CompensationStarted = "compensation.started.v1";
    public const string StepCompensated = "step.compensated.v1";
    public const string StepCompensationFailed = "step.compensation_failed.v1";
    public const string WorkflowTerminated = "workflow.terminated.v1";
    public const string WorkflowReset = "workflow.reset.v1";
    public const string WorkflowMigrated = "workflow.migrated.v1";
    public const string WorkflowContinuedAsNew = "workflow.continued_as_new.v1";
    public const string SubWorkflowStarted = "subworkflow.started.v1";
    public const string SubWorkflowEnded = "subworkflow.ended.v1";

    public static EventData EncodeWorkflowStarted(Guid eventId, string workflowName, int workflowVersion, byte[] input, string? traceParent, string? traceState, ParentLink? parent = null) =>
        Write(eventId, WorkflowStarted, (workflowName, workflowVersion, input, traceParent, traceState, parent), static (w, s) =>
            WriteStart(w, s.workflowName, s.workflowVersion, s.input, s.traceParent, s.traceState, s.parent));

    /// <summary>The first event of a journal that replaced an earlier one: what a start records, plus where the loop
    /// that continued as new goes on (its path, next iteration and value) and when the instance first started.</summary>
    public static EventData EncodeWorkflowContinuedAsNew(Guid eventId, InstanceState state, byte[] input, string loopPath, int iteration, byte[] value) =>
        Write(eventId, WorkflowContinuedAsNew, (state, input, loopPath, iteration, value), static (w, s) =>
        {
            WriteStart(w, s.state.WorkflowName, s.state.WorkflowVersion, s.input, s.state.TraceParent, s.state.TraceState, s.state.Parent);
            if (s.state.CreatedAt is { } createdAt)
            {
                w.WriteString("startedAt", createdAt);
            }

            w.WriteNumber("generation", s.state.Generation + 1);
            w.WriteString("loop", s.loopPath);
            w.WriteNumber("iteration", s.iteration);
            w.WritePropertyName("value");
            w.WriteRawValue(s.value, skipInputValidation: true);
        });

    private static void WriteStart(Utf8JsonWriter w, string workflowName, int workflowVersion, ReadOnlySpan<byte> input, string? traceParent, string? traceState, ParentLink? parent)
    {
        w.WriteString("workflow", workflowName);
        w.WriteNumber("version", workflowVersion);
        w.WritePropertyName("input");
        w.WriteRawValue(input, skipInputValidation: true);
        WriteOptional(w, "traceParent", traceParent);
        WriteOptional(w, "traceState", traceState);
        if (parent is not null)
        {
            w.WriteStartObject("parent");
            w.WriteString("id", parent.InstanceId);
            w.WriteString("path", parent.StepPath);
            w.WriteEndObject();
        }
    }

    public static EventData EncodeStepCompleted(Guid eventId, string stepPath, int attempt, byte[] output, IReadOnlyDictionary<string, string>? metadata) =>
        Write(eventId, StepCompleted, (stepPath, attempt, output, metadata), static (w, s) =>
        {
            w.WriteString("path", s.stepPath);
            w.WriteNumber("attempt", s.attempt);
            w.WritePropertyName("output");
            w.WriteRawValue(s.output, skipInputValidation: true);
            if (s.metadata is { Count: > 0 })
            {
                w.WriteStartObject("metadata");
                foreach (var (key, value) in s.metadata)
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }
        });

    public static EventData EncodeStepAttemptFailed(Guid eventId, string stepPath, int attempt, WorkflowFailure failure, TimeSpan retryDelay) =>
        Write(eventId, StepAttemptFailed, (stepPath, attempt, failure, retryDelay), static (w, s) =>
        {
            w.WriteString("path", s.stepPath);
            w.WriteNumber("attempt", s.attempt);
            w.WriteNumber("retryDelayMs", (long)s.retryDelay.TotalMilliseconds);
            WriteFailure(w, "failure", s.failure);
        });

    public static EventData EncodeStepFailed(Guid eventId, string stepPath, int attempt, WorkflowFailure failure) =>
        Write(eventId, StepFailed, (stepPath, attempt, failure), static (w, s) =>
        {
            w.WriteString("path", s.stepPath);
            w.WriteNumber("attempt", s.attempt);
            WriteFailure(w, "failure", s.failure);
        });

    public static EventData EncodeSubResult(Guid eventId, string stepPath, string key, byte[] value) =>
        Write(eventId, StepSubResult, (stepPath, key, value), static (w, s) =>
        {
            w.WriteString("path", s.stepPath);
            w.WriteString("key", s.key);
            w.WritePropertyName("value");
            w.WriteRawValue(s.value, skipInputValidation: true);
        });

    public static EventData EncodeBranchTaken(Guid eventId, string path, string arm) =>
        Write(eventId, BranchTaken, (path, arm), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteString("arm", s.arm);
        });

    public static EventData EncodeLoopIterationCompleted(Guid eventId, string path, int iteration, bool continues, bool limitReached) =>
        Write(eventId, LoopIterationCompleted, (path, iteration, continues, limitReached), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteNumber("iteration", s.iteration);
            w.WriteBoolean("continue", s.continues);
            w.WriteBoolean("limitReached", s.limitReached);
        });

    public static EventData EncodeCancelRequested(Guid eventId, string? reason) =>
        Write(eventId, CancelRequested, reason, static (w, reason) => WriteOptional(w, "reason", reason));

    public static EventData EncodeWorkflowCompleted(Guid eventId, byte[] output) =>
        Write(eventId, WorkflowCompleted, output, static (w, output) =>
        {
            w.WritePropertyName("output");
            w.WriteRawValue(output, skipInputValidation: true);
        });

    public static EventData EncodeWorkflowFailed(Guid eventId, WorkflowFailure failure) =>
        Write(eventId, WorkflowFailed, failure, static (w, failure) => WriteFailure(w, "failure", failure));

    public static EventData EncodeWorkflowCanceled(Guid eventId, string? reason) =>
        Write(eventId, WorkflowCanceled, reason, static (w, reason) => WriteOptional(w, "reason", reason));

    public static EventData EncodeEventRaised(Guid eventId, string eventName, byte[] payload, string? targetPath) =>
        Write(eventId, EventRaised, (eventName, payload, targetPath), static (w, s) =>
        {
            w.WriteString("name", s.eventName);
            w.WritePropertyName("payload");
            w.WriteRawValue(s.payload, skipInputValidation: true);
            WriteOptional(w, "target", s.targetPath);
        });

    public static EventData EncodeEventConsumed(Guid eventId, string path, long raisedPosition) =>
        Write(eventId, EventConsumed, (path, raisedPosition), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteNumber("raised", s.raisedPosition);
        });

    public static EventData EncodeWaitStarted(Guid eventId, string path, DateTimeOffset deadline) =>
        Write(eventId, WaitStarted, (path, deadline), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteString("deadline", s.deadline);
        });

    public static EventData EncodeWaitTimedOut(Guid eventId, string path) =>
        Write(eventId, WaitTimedOut, path, static (w, path) => w.WriteString("path", path));

    public static EventData EncodeTimerStarted(Guid eventId, string path, DateTimeOffset dueAt) =>
        Write(eventId, TimerStarted, (path, dueAt), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteString("dueAt", s.dueAt);
        });

    public static EventData EncodeTimerFired(Guid eventId, string path) =>
        Write(eventId, TimerFired, path, static (w, path) => w.WriteString("path", path));

    public static EventData EncodeApprovalRequested(Guid eventId, string path, byte[] request, DateTimeOffset? deadline) =>
        Write(eventId, ApprovalRequested, (path, request, deadline), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WritePropertyName("request");
            w.WriteRawValue(s.request, skipInputValidation: true);
            if (s.deadline is { } deadline)
            {
                w.WriteString("deadline", deadline);
            }
        });

    public static EventData EncodeApprovalAnswered(Guid eventId, string path, bool approved, string by, string? comment) =>
        Write(eventId, ApprovalAnswered, (path, approved, by, comment), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteBoolean("approved", s.approved);
            w.WriteString("by", s.by);
            WriteOptional(w, "comment", s.comment);
        });

    public static EventData EncodeCompensationStarted(Guid eventId, bool canceled, WorkflowFailure? failure) =>
        Write(eventId, CompensationStarted, (canceled, failure), static (w, s) =>
        {
            w.WriteString("reason", s.canceled ? "canceled" : "failed");
            if (s.failure is not null)
            {
                WriteFailure(w, "failure", s.failure);
            }
        });

    public static EventData EncodeStepCompensated(Guid eventId, string stepPath, int attempt) =>
        Write(eventId, StepCompensated, (stepPath, attempt), static (w, s) =>
        {
            w.WriteString("path", s.stepPath);
            w.WriteNumber("attempt", s.attempt);
        });

    public static EventData EncodeStepCompensationFailed(Guid eventId, string stepPath, int attempt, WorkflowFailure failure) =>
        Write(eventId, StepCompensationFailed, (stepPath, attempt, failure), static (w, s) =>
        {
            w.WriteString("path", s.stepPath);
            w.WriteNumber("attempt", s.attempt);
            WriteFailure(w, "failure", s.failure);
        });

    public static EventData EncodeWorkflowTerminated(Guid eventId, string? reason) =>
        Write(eventId, WorkflowTerminated, reason, static (w, reason) => WriteOptional(w, "reason", reason));

    public static EventData EncodeWorkflowReset(Guid eventId, string stepName, long fromPosition) =>
        Write(eventId, WorkflowReset, (stepName, fromPosition), static (w, s) =>
        {
            w.WriteString("step", s.stepName);
            w.WriteNumber("from", s.fromPosition);
        });

    public static EventData EncodeWorkflowMigrated(Guid eventId, int fromVersion, int toVersion) =>
        Write(eventId, WorkflowMigrated, (fromVersion, toVersion), static (w, s) =>
        {
            w.WriteNumber("from", s.fromVersion);
            w.WriteNumber("to", s.toVersion);
        });

    public static EventData EncodeSubWorkflowStarted(Guid eventId, string path, string childId) =>
        Write(eventId, SubWorkflowStarted, (path, childId), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteString("child", s.childId);
        });

    public static EventData EncodeSubWorkflowEnded(Guid eventId, string path, string childId, WorkflowStatus status, JsonElement? output, WorkflowFailure? failure) =>
        Write(eventId, SubWorkflowEnded, (path, childId, status, output, failure), static (w, s) =>
        {
            w.WriteString("path", s.path);
            w.WriteString("child", s.childId);
            w.WriteNumber("status", (int)s.status);
            if (s.output is { } output)
            {
                w.WritePropertyName("output");
                output.WriteTo(w);
            }

            if (s.failure is not null)
            {
                WriteFailure(w, "failure", s.failure);
            }
        });

    /// <summary>Gets whether an event type ends an instance (completed, failed, canceled, terminated).</summary>
    public static bool IsTerminal(string type) =>
        type is WorkflowCompleted or WorkflowFailed or WorkflowCanceled or WorkflowTerminated;

    /// <summary>Reads a recorded event as a public history event.</summary>
    /// <exception cref="JsonException">The payload is not the JSON its type promises.</exception>
    public static WorkflowHistoryEvent Decode(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        using var document = JsonDocument.Parse(recorded.Data);
        var root = document.RootElement;
        var id = recorded.StreamId;
        var at = recorded.Version;
        var time = recorded.Timestamp;
        return recorded.Type switch
        {
            WorkflowStarted => new WorkflowStartedEvent(
                id, at, time, GetString(root, "workflow"), GetInt32(root, "version"), Get(root, "input").Clone(),
                GetOptionalString(root, "traceParent"), GetOptionalString(root, "traceState"),
                root.TryGetProperty("parent", out var parent) ? GetString(parent, "id") : null,
                root.TryGetProperty("parent", out var parentPath) ? GetString(parentPath, "path") : null),
            StepCompleted => new StepCompletedEvent(
                id, at, time, GetString(root, "path"), GetInt32(root, "attempt"), Get(root, "output").Clone(), ReadMetadata(root)),
            StepAttemptFailed => new StepAttemptFailedEvent(
                id, at, time, GetString(root, "path"), GetInt32(root, "attempt"), ReadFailure(Get(root, "failure")),
                TimeSpan.FromMilliseconds(Get(root, "retryDelayMs").GetInt64())),
            StepFailed => new StepFailedEvent(
                id, at, time, GetString(root, "path"), GetInt32(root, "attempt"), ReadFailure(Get(root, "failure"))),
            StepSubResult => new StepSubResultRecordedEvent(
                id, at, time, GetString(root, "path"), GetString(root, "key"), Get(root, "value").Clone()),
            BranchTaken => new BranchTakenEvent(id, at, time, GetString(root, "path"), GetString(root, "arm")),
            LoopIterationCompleted => new LoopIterationCompletedEvent(
                id, at, time, GetString(root, "path"), GetInt32(root, "iteration"), Get(root, "continue").GetBoolean(), Get(root, "limitReached").GetBoolean()),
            CancelRequested => new WorkflowCancelRequestedEvent(id, at, time, GetOptionalString(root, "reason")),
            WorkflowCompleted => new WorkflowCompletedEvent(id, at, time, Get(root, "output").Clone()),
            WorkflowFailed => new WorkflowFailedEvent(id, at, time, ReadFailure(Get(root, "failure"))),
            WorkflowCanceled => new WorkflowCanceledEvent(id, at, time, GetOptionalString(root, "reason")),
            EventRaised => new EventRaisedEvent(id, at, time, GetString(root, "name"), Get(root, "payload").Clone(), GetOptionalString(root, "target")),
            EventConsumed => new EventConsumedEvent(id, at, time, GetString(root, "path"), Get(root, "raised").GetInt64()),
            WaitStarted => new WaitStartedEvent(id, at, time, GetString(root, "path"), Get(root, "deadline").GetDateTimeOffset()),
            WaitTimedOut => new WaitTimedOutEvent(id, at, time, GetString(root, "path")),
            TimerStarted => new TimerStartedEvent(id, at, time, GetString(root, "path"), Get(root, "dueAt").GetDateTimeOffset()),
            TimerFired => new TimerFiredEvent(id, at, time, GetString(root, "path")),
            ApprovalRequested => new ApprovalRequestedEvent(
                id, at, time, GetString(root, "path"), Get(root, "request").Clone(), root.TryGetProperty("deadline", out var deadline) ? deadline.GetDateTimeOffset() : null),
            CompensationStarted => new CompensationStartedEvent(
                id, at, time, GetString(root, "reason") == "canceled", root.TryGetProperty("failure", out var cause) ? ReadFailure(cause) : null),
            StepCompensated => new StepCompensatedEvent(id, at, time, GetString(root, "path"), GetInt32(root, "attempt")),
            StepCompensationFailed => new StepCompensationFailedEvent(id, at, time, GetString(root, "path"), GetInt32(root, "attempt"), ReadFailure(Get(root, "failure"))),
            WorkflowTerminated => new WorkflowTerminatedEvent(id, at, time, GetOptionalString(root, "reason")),
            WorkflowReset => new WorkflowResetEvent(id, at, time, GetString(root, "step"), Get(root, "from").GetInt64()),
            WorkflowMigrated => new WorkflowMigratedEvent(id, at, time, GetInt32(root, "from"), GetInt32(root, "to")),
            WorkflowContinuedAsNew => new WorkflowContinuedAsNewEvent(
                id, at, time, GetString(root, "workflow"), GetInt32(root, "version"), Get(root, "input").Clone(),
                GetOptionalString(root, "traceParent"), GetOptionalString(root, "traceState"),
                root.TryGetProperty("parent", out var continuedParent) ? new ParentLink(GetString(continuedParent, "id"), GetString(continuedParent, "path")) : null,
                root.TryGetProperty("startedAt", out var startedAt) ? startedAt.GetDateTimeOffset() : time,
                GetInt32(root, "generation"), GetString(root, "loop"), GetInt32(root, "iteration"), Get(root, "value").Clone()),
            SubWorkflowStarted => new SubWorkflowStartedEvent(id, at, time, GetString(root, "path"), GetString(root, "child")),
            SubWorkflowEnded => new SubWorkflowEndedEvent(
                id, at, time, GetString(root, "path"), GetString(root, "child"), (WorkflowStatus)GetInt32(root, "status"),
                root.TryGetProperty("output", out var childOutput) ? childOutput.Clone() : null,
                root.TryGetProperty("failure", out var childFailure) ? ReadFailure(childFailure) : null),
            ApprovalAnswered => new ApprovalAnsweredEvent(
                id, at, time, GetString(root, "path"), Get(root, "approved").GetBoolean(), GetString(root, "by"), GetOptionalString(root, "comment")),
            _ => new UnknownHistoryEvent(id, at, time, recorded.Type, root.Clone()),
        };
    }

    // One writer and buffer per thread, reused: an event costs one exact-size array, which the store keeps.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    private static EventData Write<TState>(Guid eventId, string type, TState state, Action<Utf8JsonWriter, TState> body)
    {
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(512);
        var writer = _threadWriter ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            body(writer, state);
            writer.WriteEndObject();
            writer.Flush();
            return EventData.Owned(eventId, type, buffer.WrittenSpan.ToArray());
        }
        finally
        {
            if (buffer.Capacity > 64 * 1024)
            {
                // A large payload passed through: do not keep its buffer alive on this thread.
                _threadBuffer = null;
                _threadWriter = null;
            }
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteFailure(Utf8JsonWriter writer, string name, WorkflowFailure failure)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", failure.ErrorType);
        writer.WriteString("message", failure.Message);
        WriteOptional(writer, "stackTrace", failure.StackTrace);
        WriteOptional(writer, "details", failure.Details);
        WriteOptional(writer, "stepPath", failure.StepPath);
        if (failure.NonRetryable)
        {
            writer.WriteBoolean("nonRetryable", true);
        }

        if (failure.Cause is not null)
        {
            WriteFailure(writer, "cause", failure.Cause);
        }

        writer.WriteEndObject();
    }

    private static WorkflowFailure ReadFailure(JsonElement element) =>
        new(GetString(element, "type"), GetString(element, "message"))
        {
            StackTrace = GetOptionalString(element, "stackTrace"),
            Details = GetOptionalString(element, "details"),
            StepPath = GetOptionalString(element, "stepPath"),
            NonRetryable = element.TryGetProperty("nonRetryable", out var nonRetryable) && nonRetryable.GetBoolean(),
            Cause = element.TryGetProperty("cause", out var cause) ? ReadFailure(cause) : null,
        };

    private static Dictionary<string, string> ReadMetadata(JsonElement root)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("metadata", out var element))
        {
            foreach (var property in element.EnumerateObject())
            {
                metadata[property.Name] = property.Value.GetString() ?? string.Empty;
            }
        }

        return metadata;
    }

    private static JsonElement Get(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value)
            ? value
            : throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"The journal event lacks its '{name}' property."));

    private static string GetString(JsonElement element, string name) =>
        Get(element, name).GetString() ?? throw new JsonException($"The journal event's '{name}' property is null.");

    private static string? GetOptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static int GetInt32(JsonElement element, string name) => Get(element, name).GetInt32();
}

using System.Text;
using System.Text.Json;
using Workflow.Client;
using Workflow.Runtime.Journal;
using Workflow.Storage;
using Xunit;

namespace Workflow.Tests.Runtime.Journal;

/// <summary>The journal is a durable, public format: these tests pin the JSON each event type is written as.</summary>
public sealed class JournalCodecTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public void Encode_StepCompleted_WritesTheDocumentedJson()
    {
        var data = JournalCodec.EncodeStepCompleted(Guid.NewGuid(), "review/items[3]/approve", 2, Encoding.UTF8.GetBytes("""{"ok":true}"""), new Dictionary<string, string> { ["tokens.input"] = "12" });

        Assert.Equal("step.completed.v1", data.Type);
        Assert.Equal("""{"path":"review/items[3]/approve","attempt":2,"output":{"ok":true},"metadata":{"tokens.input":"12"}}""", Encoding.UTF8.GetString(data.Data.Span));
    }

    [Fact]
    public void Encode_WorkflowStartedAndFailed_WriteTheDocumentedJson()
    {
        var started = JournalCodec.EncodeWorkflowStarted(Guid.NewGuid(), "orders", 3, Encoding.UTF8.GetBytes("""{"id":"o"}"""), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);
        var failed = JournalCodec.EncodeWorkflowFailed(Guid.NewGuid(), new WorkflowFailure("Declined", "card \"declined\"") { NonRetryable = true, StepPath = "charge", Cause = new WorkflowFailure("Io", "reset") });

        Assert.Equal("""{"workflow":"orders","version":3,"input":{"id":"o"},"traceParent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}""", Encoding.UTF8.GetString(started.Data.Span));
        Assert.Equal("""{"failure":{"type":"Declined","message":"card \u0022declined\u0022","stepPath":"charge","nonRetryable":true,"cause":{"type":"Io","message":"reset"}}}""", Encoding.UTF8.GetString(failed.Data.Span));
    }

    [Fact]
    public void Decode_EveryEventType_ReadsBackWhatWasWritten()
    {
        var failure = new WorkflowFailure("E", "m") { Details = "{}", StackTrace = "at x", StepPath = "p" };
        var events = new[]
        {
            JournalCodec.EncodeWorkflowStarted(Guid.NewGuid(), "w", 2, Encoding.UTF8.GetBytes("5"), "tp", "ts"),
            JournalCodec.EncodeStepCompleted(Guid.NewGuid(), "a", 1, Encoding.UTF8.GetBytes("\"x\""), null),
            JournalCodec.EncodeStepAttemptFailed(Guid.NewGuid(), "a", 1, failure, TimeSpan.FromMilliseconds(1500)),
            JournalCodec.EncodeStepFailed(Guid.NewGuid(), "a", 2, failure),
            JournalCodec.EncodeSubResult(Guid.NewGuid(), "a", "k", Encoding.UTF8.GetBytes("[1,2]")),
            JournalCodec.EncodeBranchTaken(Guid.NewGuid(), "b", "true"),
            JournalCodec.EncodeLoopIterationCompleted(Guid.NewGuid(), "l", 4, continues: false, limitReached: true),
            JournalCodec.EncodeCancelRequested(Guid.NewGuid(), "why"),
            JournalCodec.EncodeWorkflowCompleted(Guid.NewGuid(), Encoding.UTF8.GetBytes("null")),
            JournalCodec.EncodeWorkflowFailed(Guid.NewGuid(), failure),
            JournalCodec.EncodeWorkflowCanceled(Guid.NewGuid(), null),
            new EventData(Guid.NewGuid(), "future.thing.v9", Encoding.UTF8.GetBytes("""{"x":1}""")),
        };

        var decoded = events.Select((e, i) => JournalCodec.Decode(new RecordedEvent("i-1", i + 1, 100 + i, e.EventId, e.Type, e.Data, e.Metadata, At))).ToList();

        Assert.Equal(events.Select(e => e.Type), decoded.Select(d => d.EventType));
        Assert.All(decoded, d => Assert.Equal("i-1", d.InstanceId));
        Assert.Equal(Enumerable.Range(1, events.Length).Select(i => (long)i), decoded.Select(d => d.Position));
        var started = Assert.IsType<WorkflowStartedEvent>(decoded[0]);
        Assert.Equal(("w", 2, 5, "tp", "ts"), (started.WorkflowName, started.WorkflowVersion, started.Input.GetInt32(), started.TraceParent, started.TraceState));
        Assert.Equal("x", Assert.IsType<StepCompletedEvent>(decoded[1]).Output.GetString());
        var attempt = Assert.IsType<StepAttemptFailedEvent>(decoded[2]);
        Assert.Equal((TimeSpan.FromMilliseconds(1500), "E", "m", "{}", "at x", "p"), (attempt.RetryDelay, attempt.Failure.ErrorType, attempt.Failure.Message, attempt.Failure.Details, attempt.Failure.StackTrace, attempt.Failure.StepPath));
        Assert.Equal(2, Assert.IsType<StepFailedEvent>(decoded[3]).Attempt);
        Assert.Equal(JsonValueKind.Array, Assert.IsType<StepSubResultRecordedEvent>(decoded[4]).Value.ValueKind);
        Assert.Equal("true", Assert.IsType<BranchTakenEvent>(decoded[5]).Arm);
        var loop = Assert.IsType<LoopIterationCompletedEvent>(decoded[6]);
        Assert.Equal((4, false, true), (loop.Iteration, loop.Continues, loop.LimitReached));
        Assert.Equal("why", Assert.IsType<WorkflowCancelRequestedEvent>(decoded[7]).Reason);
        Assert.True(decoded[8].IsTerminal);
        Assert.True(decoded[9].IsTerminal);
        Assert.Null(Assert.IsType<WorkflowCanceledEvent>(decoded[10]).Reason);
        Assert.Equal(1, Assert.IsType<UnknownHistoryEvent>(decoded[11]).Data.GetProperty("x").GetInt32());
    }

    [Fact]
    public void Decode_PayloadMissingARequiredProperty_ThrowsNamingIt()
    {
        var recorded = new RecordedEvent("i", 1, 1, Guid.NewGuid(), "step.completed.v1", Encoding.UTF8.GetBytes("""{"path":"a"}"""), default, At);

        var exception = Assert.Throws<JsonException>(() => JournalCodec.Decode(recorded));

        Assert.Contains("'attempt'", exception.Message, StringComparison.Ordinal);
    }
}

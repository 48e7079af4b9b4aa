using System.Diagnostics;
using System.Globalization;
using Workflow.Internal;
using Workflow.Runtime.Journal;
using Workflow.Storage;

namespace Workflow.Runtime;

internal sealed partial class InstanceRun
{
    /// <summary>Replaces the journal with a <c>workflow.continued_as_new</c> event carrying the loop's value and next
    /// iteration, followed by the raised events no wait consumed yet, and runs the instance again at once.</summary>
    private async Task ContinueAsNewAsync(ContinueAsNewSignal next, Activity? activity)
    {
        var continuedId = Runtime.NewEventId();
        var continuedIdText = continuedId.ToString("N", CultureInfo.InvariantCulture);
        var input = _state.Input.ToBytes();
        IReadOnlyList<EventData> FreshJournal()
        {
            var unconsumed = _state.GetUnconsumed();
            var events = new EventData[unconsumed.Count + 1];
            events[0] = JournalCodec.EncodeWorkflowContinuedAsNew(continuedId, _state, input, next.LoopPath, next.Iteration, next.Value);
            for (var i = 0; i < unconsumed.Count; i++)
            {
                // Ids that follow from the continuation and the original position: a retried commit writes the same events.
                var raised = unconsumed[i];
                var id = NameBasedGuid.Create(InstanceId, continuedIdText, raised.Position.ToString(CultureInfo.InvariantCulture));
                events[i + 1] = JournalCodec.EncodeEventRaised(id, raised.Name, raised.Payload.ToBytes(), raised.TargetPath);
            }

            return events;
        }

        await CommitAsync([], complete: true, status: null, wakeAt: Runtime.TimeProvider.GetUtcNow(), continueAsNew: FreshJournal).ConfigureAwait(false);
        activity?.SetTag("workflow.continued_as_new", true);
        Log.InstanceContinuedAsNew(Logger, Definition.Name, InstanceId, next.LoopPath, next.Iteration);

        // The instance is runnable again now: claim it at once, not at the next poll.
        Runtime.Wake();
    }
}

using Workflow.Client;
using Workflow.Storage;

namespace Workflow.Runtime.Journal;

/// <summary>Reads a whole journal page by page, decoded.</summary>
internal static class JournalReader
{
    private const int PageSize = 1000;

    // A restart happens only when the instance continued as new between two pages; that many in a row means a loop
    // that continues as new faster than one journal can be read.
    private const int MaxRestarts = 100;

    /// <summary>Reads the stream from its first kept event. When it is truncated between two pages (the instance
    /// continued as new meanwhile), the read starts over, so the result is always one consistent journal.</summary>
    public static async Task<List<WorkflowHistoryEvent>> ReadAllAsync(IWorkflowStore store, string instanceId, CancellationToken cancellationToken)
    {
        for (var restart = 0; restart < MaxRestarts; restart++)
        {
            var history = new List<WorkflowHistoryEvent>();
            var next = 1L;
            while (true)
            {
                var batch = await store.ReadStreamAsync(instanceId, next, ReadDirection.Forward, PageSize, cancellationToken).ConfigureAwait(false);
                if (history.Count > 0 && batch.Count > 0 && batch[0].Version != next)
                {
                    break;
                }

                foreach (var recorded in batch)
                {
                    history.Add(JournalCodec.Decode(recorded));
                }

                if (batch.Count < PageSize)
                {
                    return history;
                }

                next = batch[^1].Version + 1;
            }
        }

        throw new InvalidOperationException(
            $"The journal of instance '{instanceId}' was replaced {MaxRestarts} times while it was being read; its loop continues as new too often to be read.");
    }
}

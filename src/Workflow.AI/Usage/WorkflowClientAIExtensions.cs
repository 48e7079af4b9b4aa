using Workflow.AI;
using Workflow.AI.Journaling;

namespace Workflow.Client;

/// <summary>Reads what the model calls of an instance cost.</summary>
public static class WorkflowClientAIExtensions
{
    /// <summary>Sums the token usage of every model call an instance journaled, per step and in total. Each call
    /// counts once, however often its step ran again: that is what was billed. Calls that failed (and so were not
    /// journaled) are not counted.</summary>
    /// <param name="client">The client.</param>
    /// <param name="instanceId">The instance.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The usage.</returns>
    /// <exception cref="Exceptions.WorkflowNotFoundException">There is no such instance.</exception>
    public static async Task<WorkflowTokenUsage> GetTokenUsageAsync(this IWorkflowClient client, string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return Sum(await client.GetHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Sums the token usage of every model call the instance journaled, per step and in total (see
    /// <see cref="GetTokenUsageAsync(IWorkflowClient, string, CancellationToken)"/>).</summary>
    /// <param name="handle">The instance's handle.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The usage.</returns>
    public static async Task<WorkflowTokenUsage> GetTokenUsageAsync(this WorkflowHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return Sum(await handle.GetHistoryAsync(cancellationToken).ConfigureAwait(false));
    }

    private static WorkflowTokenUsage Sum(IReadOnlyList<WorkflowHistoryEvent> history)
    {
        var steps = new Dictionary<string, TokenUsage>(StringComparer.Ordinal);
        var total = TokenUsage.None;
        foreach (var recorded in history.OfType<StepSubResultRecordedEvent>())
        {
            if (!ChatCallRecord.IsRecord(recorded.Value))
            {
                continue;
            }

            var (input, output, sum) = ChatCallRecord.ReadUsage(recorded.Value);
            var usage = new TokenUsage(input, output, sum, 1);
            steps[recorded.StepPath] = steps.TryGetValue(recorded.StepPath, out var step) ? step + usage : usage;
            total += usage;
        }

        return new WorkflowTokenUsage(total, steps);
    }
}

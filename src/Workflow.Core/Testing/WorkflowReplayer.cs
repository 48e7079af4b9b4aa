using Microsoft.Extensions.DependencyInjection;
using Workflow.Definitions;
using Workflow.Runtime;
using Workflow.Storage;

namespace Workflow.Testing;

/// <summary>
/// Replays recorded histories on the current definitions without running any step: each journaled step must be
/// where the definition expects it, in the same order, with the same branch arms and events. Run it in CI over the
/// histories you recorded with <see cref="WorkflowHistoryFile"/>, so a change that in-flight instances cannot follow
/// is caught before deploy.
/// </summary>
public static class WorkflowReplayer
{
    /// <summary>Replays one recorded history.</summary>
    /// <param name="history">The history, from <see cref="WorkflowHistoryFile.LoadAsync"/> or read from a store.</param>
    /// <param name="definitions">The current definitions: the history's workflow and version, and the workflows it
    /// starts as sub-workflows.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>Whether it replays, and where it diverges if not.</returns>
    /// <exception cref="Exceptions.WorkflowDefinitionNotFoundException">The history's workflow version is not among <paramref name="definitions"/>.</exception>
    public static async Task<WorkflowReplayResult> ReplayAsync(
        IReadOnlyList<RecordedEvent> history, IEnumerable<WorkflowDefinition> definitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(definitions);
        var services = new ServiceCollection();
        var workflows = services.AddWorkflows(o => o.RunWorker = false);
        foreach (var definition in definitions)
        {
            workflows.AddWorkflow(definition);
        }

        var provider = services.BuildServiceProvider();
        await using var disposeProvider = provider.ConfigureAwait(false);
        var runtime = provider.GetRequiredService<WorkflowRuntime>();
        var state = InstanceState.Fold(WorkflowHistoryFile.Decode(history));
        var workflow = runtime.Registry.Get(state.WorkflowName, state.WorkflowVersion);
        cancellationToken.ThrowIfCancellationRequested();
        var lease = new WorkLease(0, state.InstanceId, "replayer", 0, DateTimeOffset.MaxValue);
        var run = new InstanceRun(runtime, workflow, state, lease, liveInput: null, hasLiveInput: false, replayOnly: true);
        var divergence = await run.ReplayAsync().ConfigureAwait(false);
        return new WorkflowReplayResult(state.InstanceId, state.WorkflowName, state.WorkflowVersion, divergence);
    }

    /// <summary>Replays a recorded history file.</summary>
    /// <param name="path">The file, written by <see cref="WorkflowHistoryFile.SaveAsync"/>.</param>
    /// <param name="definitions">The current definitions.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>Whether it replays, and where it diverges if not.</returns>
    public static async Task<WorkflowReplayResult> ReplayFileAsync(string path, IEnumerable<WorkflowDefinition> definitions, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = File.OpenRead(path);
        await using var disposeFile = file.ConfigureAwait(false);
        var (_, events) = await WorkflowHistoryFile.LoadAsync(file, cancellationToken).ConfigureAwait(false);
        return await ReplayAsync(events, definitions, cancellationToken).ConfigureAwait(false);
    }
}

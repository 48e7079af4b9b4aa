using System.Text;
using Microsoft.Extensions.AI;
using Workflow.Client;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>Watches an instance to its end and keeps what a UI would: the deltas and resets of each streamed call,
/// and the order of everything.</summary>
public sealed class StreamWatcher
{
    private readonly List<WorkflowUpdate> _updates = [];
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private StreamWatcher(Task completion) => Completion = completion;

    public Task Completion { get; private set; }

    public Task Subscribed => _subscribed.Task;

    public IReadOnlyList<WorkflowUpdate> Updates
    {
        get
        {
            lock (_updates)
            {
                return [.. _updates];
            }
        }
    }

    public static StreamWatcher Start(IWorkflowClient client, string instanceId, CancellationToken cancellationToken)
    {
        var watcher = new StreamWatcher(Task.CompletedTask);
        watcher.Completion = watcher.RunAsync(client, instanceId, cancellationToken);
        return watcher;
    }

    /// <summary>The text a UI shows for a call: the deltas after the last reset of that call.</summary>
    public string TextOf(string callId)
    {
        var text = new StringBuilder();
        foreach (var update in Updates)
        {
            switch (update)
            {
                case StepStreamResetUpdate reset when reset.CallId == callId:
                    text.Clear();
                    break;
                case StepProgressUpdate { Data: ChatResponseUpdate delta } progress when progress.CallId == callId:
                    text.Append(delta.Text);
                    break;
            }
        }

        return text.ToString();
    }

    /// <summary>The updates of a call as a readable sequence: each delta's text, and "|reset|" for a reset.</summary>
    public IReadOnlyList<string> Sequence(string callId) =>
        Updates.Select(u => u switch
        {
            StepStreamResetUpdate reset when reset.CallId == callId => "|reset|",
            StepProgressUpdate { Data: ChatResponseUpdate delta } progress when progress.CallId == callId => delta.Text,
            _ => null,
        }).OfType<string>().Where(s => s.Length > 0).ToList();

    private async Task RunAsync(IWorkflowClient client, string instanceId, CancellationToken cancellationToken)
    {
        await foreach (var update in client.WatchAsync(instanceId, cancellationToken: cancellationToken))
        {
            lock (_updates)
            {
                _updates.Add(update);
            }

            _subscribed.TrySetResult();
        }
    }
}

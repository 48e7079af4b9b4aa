using Workflow.Client;

namespace Workflow.Runtime;

/// <summary>Carries ephemeral updates (step started, progress, stream resets) from running steps to local watchers.
/// Publishing costs nothing when nobody watches.</summary>
internal sealed class InstanceUpdateHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Action<WorkflowUpdate>>> _subscribers = new(StringComparer.Ordinal);
    private volatile int _count;

    public bool HasSubscribers(string instanceId)
    {
        if (_count == 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _subscribers.ContainsKey(instanceId);
        }
    }

    public IDisposable Subscribe(string instanceId, Action<WorkflowUpdate> handler)
    {
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(instanceId, out var handlers))
            {
                handlers = [];
                _subscribers.Add(instanceId, handlers);
            }

            handlers.Add(handler);
            _count++;
        }

        return new Subscription(this, instanceId, handler);
    }

    public void Publish(WorkflowUpdate update)
    {
        if (_count == 0)
        {
            return;
        }

        Action<WorkflowUpdate>[] handlers;
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(update.InstanceId, out var list))
            {
                return;
            }

            handlers = [.. list];
        }

        foreach (var handler in handlers)
        {
            handler(update);
        }
    }

    private void Unsubscribe(string instanceId, Action<WorkflowUpdate> handler)
    {
        lock (_gate)
        {
            if (_subscribers.TryGetValue(instanceId, out var handlers) && handlers.Remove(handler))
            {
                _count--;
                if (handlers.Count == 0)
                {
                    _subscribers.Remove(instanceId);
                }
            }
        }
    }

    private sealed class Subscription(InstanceUpdateHub hub, string instanceId, Action<WorkflowUpdate> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                hub.Unsubscribe(instanceId, handler);
            }
        }
    }
}

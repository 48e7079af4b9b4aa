using ModelContextProtocol;

namespace Workflow.Mcp.Tests.Infrastructure;

/// <summary>Collects progress notifications as they arrive (<see cref="Progress{T}"/> would post them later).</summary>
public sealed class ProgressLog : IProgress<ProgressNotificationValue>
{
    private readonly List<ProgressNotificationValue> _values = [];

    public IReadOnlyList<ProgressNotificationValue> Values
    {
        get
        {
            lock (_values)
            {
                return [.. _values];
            }
        }
    }

    public void Report(ProgressNotificationValue value)
    {
        lock (_values)
        {
            _values.Add(value);
        }
    }
}

using System.Globalization;
using System.Text.Json;

namespace Workflow.Runtime;

/// <summary>Options of the workflow runtime and client, set with <c>AddWorkflows(options => ...)</c>.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Gets or sets the id of this node in leases and logs; unique among the nodes sharing a store.</summary>
    /// <value>The default value is the machine name, the process id and a random suffix.</value>
    public string NodeId { get; set; } = string.Create(
        CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");

    /// <summary>Gets or sets a value indicating whether this node runs workflow instances. A node that only starts
    /// and queries instances (a web front end, say) can turn it off.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RunWorker { get; set; } = true;

    /// <summary>Gets or sets the most instances this node runs at once.</summary>
    /// <value>The default value is 100.</value>
    public int MaxConcurrentInstances { get; set; } = 100;

    /// <summary>Gets or sets how many runnable instances may wait in this node's queue. When it is full,
    /// starting an instance waits (back-pressure) and the node stops claiming work.</summary>
    /// <value>The default value is 1,000.</value>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Gets or sets how many work items one claim takes from the store.</summary>
    /// <value>The default value is 32.</value>
    public int ClaimBatchSize { get; set; } = 32;

    /// <summary>Gets or sets how long a claimed instance stays leased to this node without a heartbeat. The node
    /// renews its leases every third of this; after a crash, another node takes over once it has passed.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how often an idle node asks the store for work it was not woken for (timers, instances
    /// of crashed nodes, wake-ups from other nodes).</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long an instance whose journal no longer fits its definition, or whose definition is
    /// not registered on this node, waits before it is tried again.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan BlockedInstanceRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the serializer options for workflow inputs, step outputs and results. Set a
    /// <c>TypeInfoResolver</c> (a source-generated <c>JsonSerializerContext</c>) for trimmed or native AOT hosts.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="JsonSerializerOptions.Web"/>.</value>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>Gets or sets a value indicating whether workflow inputs and outputs may appear in logs (at Trace
    /// level) and in span attributes. Leave it off where they hold personal or secret data.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EnableSensitiveData { get; set; }
}

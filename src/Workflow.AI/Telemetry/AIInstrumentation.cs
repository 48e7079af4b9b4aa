using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Workflow.AI.Telemetry;

/// <summary>The activity source and meter of Workflow.AI's own spans and instruments (model calls are traced by
/// Microsoft.Extensions.AI's OpenTelemetryChatClient under the same names).</summary>
internal static class AIInstrumentation
{
    public const string OperationNameTag = "gen_ai.operation.name";
    public const string AgentNameTag = "gen_ai.agent.name";
    public const string ToolNameTag = "gen_ai.tool.name";
    public const string ToolCallIdTag = "gen_ai.tool.call.id";
    public const string ToolTypeTag = "gen_ai.tool.type";
    public const string InputTokensTag = "gen_ai.usage.input_tokens";
    public const string OutputTokensTag = "gen_ai.usage.output_tokens";
    public const string StepPathTag = "workflow.step.path";
    public const string WorkflowNameTag = "workflow.name";
    public const string ErrorTypeTag = "error.type";

    private static readonly string? Version =
        typeof(AIInstrumentation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    public static readonly ActivitySource Source = new(WorkflowAITelemetry.SourceName, Version);

    public static readonly Meter Meter = new(WorkflowAITelemetry.MeterName, Version);

    /// <summary>Model calls answered from the journal: calls a restart or retry did not send (and so did not bill) again.</summary>
    public static readonly Counter<long> ReplayedCalls = Meter.CreateCounter<long>(
        "workflow.ai.chat.replayed", unit: "{call}", description: "Model calls answered from the journal instead of being sent to the model again.");
}

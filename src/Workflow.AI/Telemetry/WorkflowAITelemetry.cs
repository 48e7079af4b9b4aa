namespace Workflow.AI.Telemetry;

/// <summary>The names under which Workflow.AI reports telemetry. Add them to your OpenTelemetry set-up
/// (<c>AddSource(WorkflowAITelemetry.SourceName)</c>, <c>AddMeter(WorkflowAITelemetry.MeterName)</c>).</summary>
/// <remarks>
/// Model calls are traced by Microsoft.Extensions.AI's <c>OpenTelemetryChatClient</c> under these names, following the
/// OpenTelemetry <c>gen_ai.*</c> conventions: a <c>chat {model}</c> span per call to a provider (each retry and each
/// provider of a failover chain is its own span), and the histograms <c>gen_ai.client.token.usage</c> and
/// <c>gen_ai.client.operation.duration</c>. Workflow.AI adds <c>invoke_agent {step}</c> and <c>execute_tool {tool}</c>
/// spans and the counter <c>workflow.ai.chat.replayed</c>. A model call answered from the journal makes no span:
/// it is not sent, so it is not billed. Prompts and completions appear in spans and logs only when
/// <c>WorkflowAIOptions.EnableSensitiveData</c> is set.
/// </remarks>
public static class WorkflowAITelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>: <c>Workflow.AI</c>.</summary>
    public const string SourceName = "Workflow.AI";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: <c>Workflow.AI</c>.</summary>
    public const string MeterName = "Workflow.AI";

    /// <summary>The name of the logger category Workflow.AI writes to: <c>Workflow.AI</c>.</summary>
    public const string LoggerCategory = "Workflow.AI";
}

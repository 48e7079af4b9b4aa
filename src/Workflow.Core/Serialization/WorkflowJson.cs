using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Workflow.Serialization;

internal static class WorkflowJson
{
    /// <summary>The options used when the host sets none: the web defaults (camelCase, case-insensitive reads), with
    /// reflection-based metadata when the application allows it. Trimmed and native AOT hosts set
    /// <c>WorkflowOptions.SerializerOptions</c> with a source-generated resolver instead.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = CreateDefaultOptions();

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The reflection resolver is used only when reflection-based serialization is enabled.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The reflection resolver is used only when reflection-based serialization is enabled.")]
    private static JsonSerializerOptions CreateDefaultOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : JsonTypeInfoResolver.Combine(),
        };
        options.MakeReadOnly();
        return options;
    }
}

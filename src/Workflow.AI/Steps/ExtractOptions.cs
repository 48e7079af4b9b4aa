using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Workflow.AI;

/// <summary>Options of an extract step: a model call whose reply must be JSON matching the output type's JSON schema.</summary>
public sealed class ExtractOptions : AIStepOptions
{
    /// <summary>Initializes options with the defaults.</summary>
    public ExtractOptions()
    {
    }

    private ExtractOptions(ExtractOptions other)
        : base(other)
    {
        MaxRepairAttempts = other.MaxRepairAttempts;
        SerializerOptions = other.SerializerOptions;
        UseJsonSchemaResponseFormat = other.UseJsonSchemaResponseFormat;
        AllowAdditionalProperties = other.AllowAdditionalProperties;
    }

    /// <summary>Gets or sets how many times a reply that breaks the schema is sent back to the model, with the JSONPath
    /// and rule of each violation, to be repaired. Each repair is one more model call.</summary>
    /// <value>The default value is 2.</value>
    public int MaxRepairAttempts { get; set; } = 2;

    /// <summary>Gets or sets the JSON options that describe the output type's schema and read the reply.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="AIJsonUtilities.DefaultOptions"/> (camelCase
    /// property names, enums as their names).</value>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>Gets or sets a value indicating whether the schema is sent as the call's response format (structured
    /// output, where the provider supports it). The schema is also given in the instructions, and the reply is
    /// validated either way.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseJsonSchemaResponseFormat { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether objects in the reply may have properties the type does not
    /// declare. When <see langword="false"/>, the schema says <c>additionalProperties: false</c> and an unknown
    /// property is a violation the model is asked to repair.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowAdditionalProperties { get; set; }

    /// <summary>Creates a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public ExtractOptions Clone() => new(this);
}

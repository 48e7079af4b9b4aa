using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Workflow.AI.Internal;

namespace Workflow.AI.Steps;

/// <summary>
/// A prompt written as text with placeholders over the step's input: <c>{title}</c>, <c>{customer.name}</c>,
/// <c>{input}</c> for the whole input; <c>{{</c> and <c>}}</c> for literal braces. Names match the input's JSON
/// property names (camelCase) without regard to case. A string or number is inserted as its text, anything else as
/// JSON. Placeholders are checked against the input type when the workflow is built.
/// </summary>
internal sealed class PromptTemplate
{
    private const string WholeInput = "input";
    private readonly List<(string? Text, string[]? Path)> _parts;

    private PromptTemplate(List<(string? Text, string[]? Path)> parts) => _parts = parts;

    public static PromptTemplate Parse(string template, Type inputType)
    {
        var parts = new List<(string?, string[]?)>();
        var text = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                text.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end < 0)
                {
                    throw new ArgumentException($"The prompt template has a '{{' at {i} that is not closed; write '{{{{' for a literal brace.", nameof(template));
                }

                var name = template[(i + 1)..end].Trim();
                var path = Check(name, inputType, out var problem) ?? throw new ArgumentException(problem, nameof(template));
                if (text.Length > 0)
                {
                    parts.Add((text.ToString(), null));
                    text.Clear();
                }

                parts.Add((null, path));
                i = end;
            }
            else if (c == '}')
            {
                throw new ArgumentException($"The prompt template has a '}}' at {i} that closes nothing; write '}}}}' for a literal brace.", nameof(template));
            }
            else
            {
                text.Append(c);
            }
        }

        if (text.Length > 0)
        {
            parts.Add((text.ToString(), null));
        }

        return new PromptTemplate(parts);
    }

    public string Render(object? input)
    {
        var json = AIJson.Options.GetTypeInfo(input?.GetType() ?? typeof(object));
        var root = input is null ? default : JsonSerializer.SerializeToElement(input, json);
        var prompt = new StringBuilder();
        foreach (var (text, path) in _parts)
        {
            if (text is not null)
            {
                prompt.Append(text);
                continue;
            }

            var value = root;
            foreach (var segment in path!)
            {
                value = value.ValueKind == JsonValueKind.Object && TryGetProperty(value, segment, out var child) ? child : default;
            }

            prompt.Append(value.ValueKind switch
            {
                JsonValueKind.Undefined or JsonValueKind.Null => string.Empty,
                JsonValueKind.String => value.GetString(),
                _ => value.GetRawText(),
            });
        }

        return prompt.ToString();
    }

    private static string[]? Check(string name, Type inputType, out string? problem)
    {
        problem = null;
        if (name.Length == 0)
        {
            problem = "The prompt template has an empty placeholder '{}'; name a property of the input, or {input}.";
            return null;
        }

        if (string.Equals(name, WholeInput, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }

        var path = name.Split('.');
        var type = inputType;
        foreach (var segment in path)
        {
            var info = AIJson.Options.GetTypeInfo(type);
            var property = info.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase))
                : null;
            if (property is null)
            {
                var known = info.Kind == JsonTypeInfoKind.Object ? string.Join(", ", info.Properties.Select(p => p.Name)) : "none (it is not an object)";
                problem = $"The prompt template's placeholder '{{{name}}}' names '{segment}', which {type.Name} does not have. Its properties: {known}. Use {{input}} for the whole input.";
                return null;
            }

            type = property.PropertyType;
        }

        return path;
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}

using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Extensions.AI;

namespace Workflow.Mcp.Server;

/// <summary>
/// Descriptions for input schemas taken from the XML documentation file next to the input type's assembly (built with
/// <c>GenerateDocumentationFile</c>): a property's <c>&lt;summary&gt;</c>, or for a positional record the type's
/// <c>&lt;param&gt;</c> of the same name. A <c>[Description]</c> attribute wins; without a documentation file nothing changes.
/// </summary>
internal static partial class XmlDocumentation
{
    private static readonly ConcurrentDictionary<Assembly, IReadOnlyDictionary<string, XElement>> Files = new();

    /// <summary>Schema options that fill in missing descriptions from XML docs.</summary>
    public static AIJsonSchemaCreateOptions SchemaOptions { get; } = new() { TransformSchemaNode = AddDescription };

    /// <summary>Gets the summary of a type, or <see langword="null"/>.</summary>
    public static string? Summary(Type type) => Text(Member(type, "T:" + Name(type))?.Element("summary"));

    private static JsonNode AddDescription(AIJsonSchemaCreateContext context, JsonNode node)
    {
        if (node is not JsonObject schema || schema.ContainsKey("description")
            || context.PropertyInfo is not { AttributeProvider: MemberInfo member } property)
        {
            return node;
        }

        var declaring = member.DeclaringType ?? property.DeclaringType;
        var description = Text(Member(declaring, $"P:{Name(declaring)}.{member.Name}")?.Element("summary"))
            ?? Text(Member(declaring, $"F:{Name(declaring)}.{member.Name}")?.Element("summary"))
            ?? Text(Member(declaring, "T:" + Name(declaring))?.Elements("param")
                .FirstOrDefault(p => string.Equals((string?)p.Attribute("name"), member.Name, StringComparison.OrdinalIgnoreCase)));
        if (description is not null)
        {
            schema["description"] = description;
        }

        return node;
    }

    private static XElement? Member(Type type, string id) =>
        Load(type.Assembly).TryGetValue(id, out var element) ? element : null;

    private static string Name(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    private static IReadOnlyDictionary<string, XElement> Load(Assembly assembly) => Files.GetOrAdd(assembly, static a =>
    {
        var path = string.IsNullOrEmpty(a.Location) ? null : Path.ChangeExtension(a.Location, ".xml");
        if (path is null || !File.Exists(path))
        {
            return new Dictionary<string, XElement>();
        }

        try
        {
            return XDocument.Load(path).Descendants("member")
                .Where(static m => m.Attribute("name") is not null)
                .GroupBy(static m => (string)m.Attribute("name")!, StringComparer.Ordinal)
                .ToDictionary(static g => g.Key, static g => g.First(), StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Xml.XmlException)
        {
            // A missing or unreadable documentation file only means no descriptions.
            return new Dictionary<string, XElement>();
        }
    });

    /// <summary>The element's text with <c>&lt;see cref&gt;</c> and similar tags reduced to their names, whitespace collapsed.</summary>
    private static string? Text(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        var parts = element.Nodes().Select(static n => n switch
        {
            XText text => text.Value,
            XElement { Name.LocalName: "see" or "seealso" or "paramref" or "typeparamref" } reference =>
                reference.Value is { Length: > 0 } inner ? inner
                : ((string?)reference.Attribute("cref") ?? (string?)reference.Attribute("name") ?? (string?)reference.Attribute("langword") ?? string.Empty) is var target
                    ? target[(target.LastIndexOf('.') + 1)..]
                    : string.Empty,
            XElement other => other.Value,
            _ => string.Empty,
        });
        var text = Whitespace().Replace(string.Concat(parts), " ").Trim();
        return text.Length == 0 ? null : text;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

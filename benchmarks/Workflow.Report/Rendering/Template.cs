using System.Text;
using System.Text.RegularExpressions;

namespace Workflow.Report.Rendering;

/// <summary>The markdown template: its prose is kept as written; each <c>{{name}}</c> placeholder is replaced by a
/// generated block.</summary>
internal static partial class Template
{
    /// <exception cref="InvalidDataException">The template names a block that does not exist, or leaves one out.</exception>
    public static string Fill(string template, IReadOnlyDictionary<string, string> blocks)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var text = Placeholder().Replace(template.ReplaceLineEndings("\n"), match =>
        {
            var name = match.Groups[1].Value;
            if (!blocks.TryGetValue(name, out var block))
            {
                throw new InvalidDataException(
                    $"The template names the block '{name}', which does not exist; the blocks are: {string.Join(", ", blocks.Keys)}.");
            }

            used.Add(name);
            return block.TrimEnd('\n');
        });
        var unused = blocks.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0)
        {
            throw new InvalidDataException($"The template leaves out the block(s) {string.Join(", ", unused)}: add {{{{{unused[0]}}}}} where it belongs.");
        }

        // One blank line at most between paragraphs, one newline at the end.
        var normalized = new StringBuilder(MultipleBlankLines().Replace(text, "\n\n").TrimEnd('\n')).Append('\n');
        return normalized.ToString();
    }

    [GeneratedRegex(@"\{\{([a-z][a-z0-9-]*)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex MultipleBlankLines();
}
